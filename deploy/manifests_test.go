package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/webhook"
)

// k8sKinds are the kinds deploy/k8s may contain, by apiVersion and kind. A
// Secret is deliberately absent: secret values are never committed.
var k8sKinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"networking.k8s.io/v1/Ingress":           func() any { return &networkingv1.Ingress{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
}

// decodeK8s decodes one YAML document into the typed object its apiVersion and
// kind name, as strictly as the API server does: no unknown or duplicate
// fields, field names matched case-sensitively.
func decodeK8s(doc []byte) (any, error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return nil, fmt.Errorf("apiVersion/kind: %w", err)
	}
	if tm.Kind == "Secret" {
		return nil, errors.New("a Secret object: secret values must not be committed; reference them with secretKeyRef")
	}
	mk, ok := k8sKinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q of apiVersion %q", tm.Kind, tm.APIVersion)
	}
	obj := mk()
	strict, err := kjson.UnmarshalStrict(js, obj)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("strict decoding: %w", errors.Join(strict...))
	}
	return obj, nil
}

type k8sObject struct {
	file string // relative to the repository root
	obj  any
}

func (o k8sObject) meta() metav1.Object { return o.obj.(metav1.Object) }

func (o k8sObject) String() string {
	return fmt.Sprintf("%s %s (%s)", reflect.TypeOf(o.obj).Elem().Name(), o.meta().GetName(), o.file)
}

// k8sManifests is every object in every YAML document under deploy/k8s.
type k8sManifests []k8sObject

func loadK8s(t *testing.T) k8sManifests {
	t.Helper()
	var out k8sManifests
	for _, rel := range filesUnder(t, "deploy/k8s", ".yaml", ".yml") {
		f, err := os.Open(filepath.Join(root, rel))
		require.NoError(t, err)
		r := utilyaml.NewYAMLReader(bufio.NewReader(f))
		for i := 0; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, rel)
			if js, err := yaml.YAMLToJSON(doc); err == nil && bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
				continue // only comments
			}
			obj, err := decodeK8s(doc)
			require.NoError(t, err, "%s, document %d", rel, i+1)
			out = append(out, k8sObject{file: rel, obj: obj})
		}
		require.NoError(t, f.Close())
	}
	return out
}

func all[T any](m k8sManifests) []T {
	var out []T
	for _, o := range m {
		if v, ok := o.obj.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func byName[T metav1.Object](t *testing.T, m k8sManifests, name string) T {
	t.Helper()
	for _, v := range all[T](m) {
		if v.GetName() == name {
			return v
		}
	}
	var zero T
	require.Failf(t, "missing object", "no %T named %q under deploy/k8s", zero, name)
	return zero
}

// podTemplate is a pod template with the name of the object that owns it.
type podTemplate struct {
	owner string
	spec  corev1.PodTemplateSpec
}

func podTemplates(m k8sManifests) []podTemplate {
	var out []podTemplate
	for _, d := range all[*appsv1.Deployment](m) {
		out = append(out, podTemplate{"Deployment " + d.Name, d.Spec.Template})
	}
	for _, j := range all[*batchv1.Job](m) {
		out = append(out, podTemplate{"Job " + j.Name, j.Spec.Template})
	}
	return out
}

func isWab(c corev1.Container) bool {
	name, _, _ := strings.Cut(c.Image, ":")
	return name == wabImage || strings.HasSuffix(name, "/"+wabImage)
}

// wabContainers are the containers that run the wab binary, by owner.
func wabContainers(m k8sManifests) map[string]corev1.Container {
	out := map[string]corev1.Container{}
	for _, pt := range podTemplates(m) {
		for _, c := range pt.spec.Spec.Containers {
			if isWab(c) {
				out[pt.owner+"/"+c.Name] = c
			}
		}
	}
	return out
}

func configData(t *testing.T, m k8sManifests) map[string]string {
	t.Helper()
	return byName[*corev1.ConfigMap](t, m, "wab-config").Data
}

func shutdownTimeout(t *testing.T, m k8sManifests) time.Duration {
	t.Helper()
	v, ok := configData(t, m)["SHUTDOWN_TIMEOUT"]
	require.True(t, ok, "wab-config sets SHUTDOWN_TIMEOUT, which the grace periods are checked against")
	d, err := time.ParseDuration(v)
	require.NoError(t, err)
	return d
}

func onlyContainer(t *testing.T, owner string, spec corev1.PodSpec) corev1.Container {
	t.Helper()
	require.Len(t, spec.Containers, 1, "%s: one container", owner)
	return spec.Containers[0]
}

func TestK8s_DecodeStrict(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	require.NotEmpty(t, m)
	seen := map[string]string{}
	for _, o := range m {
		md := o.meta()
		require.NotEmpty(t, md.GetName(), o.String())
		require.Empty(t, md.GetNamespace(), "%s: manifests are namespace-agnostic (kubectl -n picks it)", o)
		require.Equal(t, "whatsapp-builder", md.GetLabels()["app.kubernetes.io/name"], "%s: labelled", o)
		key := reflect.TypeOf(o.obj).Elem().Name() + "/" + md.GetName()
		require.NotContains(t, seen, key, "%s: also defined in %s", o, seen[key])
		seen[key] = o.file
	}
	for _, kind := range []string{"ConfigMap", "ServiceAccount", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Job"} {
		found := false
		for k := range seen {
			found = found || strings.HasPrefix(k, kind+"/")
		}
		require.True(t, found, "deploy/k8s has a %s", kind)
	}
}

// TestK8s_DecoderIsStrict proves the decoder above rejects what the API server
// would: unknown fields, wrongly cased fields, duplicates, unknown kinds, Secrets.
func TestK8s_DecoderIsStrict(t *testing.T) {
	t.Parallel()
	good := `apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: c, image: i, ports: [{containerPort: 3000}]}]
`
	_, err := decodeK8s([]byte(good))
	require.NoError(t, err)
	for name, doc := range map[string]string{
		"unknown field":   strings.Replace(good, "selector:", "replica: 3\n  selector:", 1),
		"wrong case":      strings.Replace(good, "containerPort", "containerport", 1),
		"duplicate field": strings.Replace(good, "metadata: {name: x}", "metadata: {name: x, name: y}", 1),
		"unknown kind":    strings.Replace(good, "kind: Deployment", "kind: Deploymnet", 1),
		"wrong version":   strings.Replace(good, "apps/v1", "apps/v1beta1", 1),
		"secret":          "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {A: b}\n",
		"bad quantity":    strings.Replace(good, "image: i,", "image: i, resources: {limits: {memory: lots}},", 1),
	} {
		_, err := decodeK8s([]byte(doc))
		require.Error(t, err, name)
	}
}

// TestK8s_ProbesHitServedRoutes: every HTTP probe of a wab container asks for
// a GET route its role really serves (the API's from api.New, the worker's
// from its telemetry server), on the port the container listens on, which is
// the port the role reads from wab-config; the API has all three probes and
// the worker startup and liveness; a container without a port has no probe
// that needs one.
func TestK8s_ProbesHitServedRoutes(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	env := configData(t, m)
	require.NotEmpty(t, env["PORT"], "wab-config sets PORT")
	require.NotEmpty(t, env["METRICS_PORT"], "wab-config sets METRICS_PORT")
	for _, pt := range podTemplates(m) {
		for _, c := range pt.spec.Spec.Containers {
			where := pt.owner + "/" + c.Name
			var role string
			if isWab(c) && len(c.Args) > 0 {
				role = c.Args[0]
			}
			probes := map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe}
			for kind, p := range probes {
				if p == nil {
					continue
				}
				if len(c.Ports) == 0 {
					require.Nil(t, p.HTTPGet, "%s: %s probe over HTTP, but the container has no port", where, kind)
					require.Nil(t, p.TCPSocket, "%s: %s probe over TCP, but the container has no port", where, kind)
					require.Nil(t, p.GRPC, "%s: %s probe over gRPC, but the container has no port", where, kind)
				}
				if p.HTTPGet != nil {
					requirePortOf(t, where+" "+kind+" probe", c, p.HTTPGet.Port)
					if isWab(c) {
						path, _, _ := strings.Cut(p.HTTPGet.Path, "?")
						require.Contains(t, roleRoutes(t, role), path, "%s: %s probe path is not a GET route of `wab %s`", where, kind, role)
					}
				}
				if p.TCPSocket != nil {
					requirePortOf(t, where+" "+kind+" probe", c, p.TCPSocket.Port)
				}
				if p.Exec != nil && isWab(c) {
					requireHealthcheck(t, where+" "+kind+" probe", role, p.Exec.Command, env)
				}
			}
			if isWab(c) {
				for _, cp := range c.Ports {
					v := rolePort(role)
					require.NotEmpty(t, v, "%s: `wab %s` listens on no port", where, role)
					require.Equal(t, env[v], strconv.Itoa(int(cp.ContainerPort)), "%s: `wab %s` listens on %s from wab-config", where, role, v)
				}
			}
		}
	}

	apiC := onlyContainer(t, "wab-api", byName[*appsv1.Deployment](t, m, "wab-api").Spec.Template.Spec)
	require.NotNil(t, apiC.LivenessProbe)
	require.NotNil(t, apiC.ReadinessProbe)
	require.NotNil(t, apiC.StartupProbe)
	require.Equal(t, "/health/liveness", apiC.LivenessProbe.HTTPGet.Path, "liveness must not depend on PostgreSQL or Temporal")
	require.Equal(t, "/health/readiness", apiC.ReadinessProbe.HTTPGet.Path)
	require.Equal(t, "/health/liveness", apiC.StartupProbe.HTTPGet.Path)
	require.Greater(t, apiC.ReadinessProbe.TimeoutSeconds, int32(3), "readiness pings take up to 3s (api.healthCheckTimeout)")

	workerC := onlyContainer(t, "wab-worker", byName[*appsv1.Deployment](t, m, "wab-worker").Spec.Template.Spec)
	require.Len(t, workerC.Ports, 1, "the worker serves one port")
	require.Equal(t, "metrics", workerC.Ports[0].Name)
	for kind, p := range map[string]*corev1.Probe{"liveness": workerC.LivenessProbe, "startup": workerC.StartupProbe} {
		require.NotNil(t, p, "the worker has a %s probe", kind)
		require.NotNil(t, p.HTTPGet, "the worker's %s probe asks its HTTP server", kind)
		require.Equal(t, "/health/liveness", p.HTTPGet.Path, "the worker's %s probe must not depend on PostgreSQL or Temporal", kind)
	}
	// The worker listens once PostgreSQL answers, which it awaits for up to 30s.
	startup := workerC.StartupProbe
	require.Greater(t, startup.PeriodSeconds*startup.FailureThreshold, int32(30), "the worker's startup probe outlasts its wait for PostgreSQL")
}

// TestK8s_ScrapeAnnotations: the API and the worker pods tell Prometheus
// where their /metrics is: a port of the container that serves it, a path
// the role serves. No Service fronts the worker: it takes no traffic, and
// Prometheus scrapes pods (annotations or a PodMonitor), never a Service.
func TestK8s_ScrapeAnnotations(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	for _, name := range []string{"wab-api", "wab-worker"} {
		tpl := byName[*appsv1.Deployment](t, m, name).Spec.Template
		c := onlyContainer(t, name, tpl.Spec)
		a := tpl.Annotations
		require.Equal(t, "true", a["prometheus.io/scrape"], "%s: prometheus.io/scrape", name)
		port, err := strconv.ParseInt(a["prometheus.io/port"], 10, 32)
		require.NoError(t, err, "%s: prometheus.io/port is a port number", name)
		requirePortOf(t, name+" prometheus.io/port", c, intstr.FromInt32(int32(port)))
		require.Equal(t, api.MetricsPath, a["prometheus.io/path"], name)
		require.Contains(t, roleRoutes(t, c.Args[0]), a["prometheus.io/path"], "%s: `wab %s` serves its metrics there", name, c.Args[0])
	}
	for _, pt := range podTemplates(m) {
		if pt.spec.Annotations["prometheus.io/scrape"] == "true" {
			require.NotEmpty(t, pt.spec.Annotations["prometheus.io/port"], "%s: scraped on a named port", pt.owner)
		}
	}
	worker := byName[*appsv1.Deployment](t, m, "wab-worker").Spec.Template
	for _, svc := range all[*corev1.Service](m) {
		if len(svc.Spec.Selector) == 0 {
			continue // no selector: endpoints by hand, none here
		}
		require.False(t, labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(worker.Labels)),
			"Service %s selects the worker, which takes no traffic", svc.Name)
	}
}

func requirePortOf(t *testing.T, where string, c corev1.Container, p intstr.IntOrString) {
	t.Helper()
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && p.StrVal == cp.Name) || (p.Type == intstr.Int && p.IntVal == cp.ContainerPort) {
			return
		}
	}
	require.Failf(t, "probe port", "%s: port %s is not a port of container %s", where, p.String(), c.Name)
}

// TestK8s_SecretsReferenced: no secret value in the repository. Secret
// variables come from secretKeyRef, never from a literal or the ConfigMap.
func TestK8s_SecretsReferenced(t *testing.T) {
	t.Parallel()
	m := loadK8s(t) // decodeK8s already rejects Secret objects
	for _, cm := range all[*corev1.ConfigMap](m) {
		for k := range cm.Data {
			require.False(t, isSecretVar(k), "ConfigMap %s holds %s: put it in wab-secrets", cm.Name, k)
		}
		require.Empty(t, cm.BinaryData, "ConfigMap %s", cm.Name)
	}
	for _, pt := range podTemplates(m) {
		for _, c := range pt.spec.Spec.Containers {
			where := pt.owner + "/" + c.Name
			for _, e := range c.Env {
				if !isSecretVar(e.Name) {
					continue
				}
				require.Empty(t, e.Value, "%s: %s is a secret: use valueFrom.secretKeyRef", where, e.Name)
				require.NotNil(t, e.ValueFrom, "%s: %s", where, e.Name)
				require.NotNil(t, e.ValueFrom.SecretKeyRef, "%s: %s comes from a Secret", where, e.Name)
			}
			for _, ef := range c.EnvFrom {
				if ef.ConfigMapRef != nil {
					byName[*corev1.ConfigMap](t, m, ef.ConfigMapRef.Name)
				}
			}
			if !isWab(c) {
				continue
			}
			env := map[string]corev1.EnvVar{}
			for _, e := range c.Env {
				env[e.Name] = e
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					require.Equal(t, "wab-secrets", e.ValueFrom.SecretKeyRef.Name, "%s: %s", where, e.Name)
					require.Equal(t, e.Name, e.ValueFrom.SecretKeyRef.Key, "%s: key named as its variable", where)
				}
			}
			for _, name := range requiredSecrets {
				e, ok := env[name]
				require.True(t, ok, "%s: %s is required", where, name)
				require.False(t, ptrTrue(e.ValueFrom.SecretKeyRef.Optional), "%s: %s is required, not optional", where, name)
			}
		}
	}
}

// TestK8s_EnvKnownToConfig: every variable handed to the binary is one it
// reads (a typo would be silently ignored), and every role gets the same
// configuration, because every role validates all of it at start.
func TestK8s_EnvKnownToConfig(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	known := configVars(t)
	for k := range configData(t, m) {
		require.True(t, known[k], "wab-config sets %s, which cmd/internal/config does not read", k)
	}
	var first string
	var want []corev1.EnvVar
	var wantFrom []corev1.EnvFromSource
	for where, c := range wabContainers(m) {
		var env []corev1.EnvVar
		for _, e := range c.Env {
			require.True(t, known[e.Name] || runtimeVars[e.Name], "%s sets %s, which the binary does not read", where, e.Name)
			if !runtimeVars[e.Name] {
				env = append(env, e)
			}
		}
		if want == nil {
			first, want, wantFrom = where, env, c.EnvFrom
			continue
		}
		require.Equal(t, want, env, "%s and %s get different configuration", first, where)
		require.Equal(t, wantFrom, c.EnvFrom, "%s and %s get different configuration", first, where)
	}
	require.NotNil(t, want)
	_, ok := configData(t, m)["MIGRATE_ON_START"]
	require.True(t, ok, "wab-config says whether the replicas migrate (the Job does)")
}

// TestK8s_PodHardening: resources, non-root, read-only root, no capabilities,
// no service account token, and the right role in each workload.
func TestK8s_PodHardening(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	accounts := map[string]*corev1.ServiceAccount{}
	for _, sa := range all[*corev1.ServiceAccount](m) {
		accounts[sa.Name] = sa
		require.False(t, ptrTrue(sa.AutomountServiceAccountToken), "ServiceAccount %s mounts no token", sa.Name)
	}
	for _, pt := range podTemplates(m) {
		spec := pt.spec.Spec
		if spec.ServiceAccountName != "" {
			require.Contains(t, accounts, spec.ServiceAccountName, "%s: its ServiceAccount is under deploy/k8s", pt.owner)
		}
		require.NotNil(t, spec.AutomountServiceAccountToken, "%s: automountServiceAccountToken", pt.owner)
		require.False(t, *spec.AutomountServiceAccountToken, "%s: the app never calls the Kubernetes API", pt.owner)
		require.NotNil(t, spec.SecurityContext, pt.owner)
		require.True(t, ptrTrue(spec.SecurityContext.RunAsNonRoot), "%s: runAsNonRoot", pt.owner)
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			where := pt.owner + "/" + c.Name
			sc := c.SecurityContext
			require.NotNil(t, sc, where)
			require.True(t, ptrTrue(sc.ReadOnlyRootFilesystem), "%s: readOnlyRootFilesystem", where)
			require.NotNil(t, sc.AllowPrivilegeEscalation, where)
			require.False(t, *sc.AllowPrivilegeEscalation, "%s: allowPrivilegeEscalation", where)
			require.NotNil(t, sc.Capabilities, where)
			require.Contains(t, sc.Capabilities.Drop, corev1.Capability("ALL"), "%s: drops all capabilities", where)
			require.Empty(t, sc.Capabilities.Add, where)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, ok := c.Resources.Requests[r]
				require.True(t, ok, "%s: requests %s", where, r)
				lim, ok := c.Resources.Limits[r]
				require.True(t, ok, "%s: limits %s", where, r)
				require.LessOrEqual(t, req.Cmp(lim), 0, "%s: %s request above its limit", where, r)
			}
			for _, e := range c.Env {
				if e.Name == "GOMEMLIMIT" {
					lim := c.Resources.Limits[corev1.ResourceMemory]
					require.Less(t, parseGoMemLimit(t, e.Value), lim.Value(), "%s: GOMEMLIMIT below the memory limit", where)
				}
			}
			if isWab(c) {
				require.Empty(t, c.Command, "%s: the image's entrypoint is the binary; pass the role in args", where)
			}
		}
	}

	apiDep := byName[*appsv1.Deployment](t, m, "wab-api")
	worker := byName[*appsv1.Deployment](t, m, "wab-worker")
	job := byName[*batchv1.Job](t, m, "wab-migrate")
	require.Equal(t, []string{"serve"}, onlyContainer(t, "wab-api", apiDep.Spec.Template.Spec).Args)
	require.Equal(t, []string{"worker"}, onlyContainer(t, "wab-worker", worker.Spec.Template.Spec).Args)
	require.Equal(t, []string{"migrate"}, onlyContainer(t, "wab-migrate", job.Spec.Template.Spec).Args)
	require.Equal(t, int32(3), ptrVal(apiDep.Spec.Replicas), "three API replicas")

	for _, d := range all[*appsv1.Deployment](m) {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		require.NoError(t, err)
		require.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "Deployment %s selects its own pods", d.Name)
	}
}

// TestK8s_GracefulShutdown: a pod gets SIGTERM after its preStop hook, then
// SHUTDOWN_TIMEOUT to drain; the grace period must cover both.
func TestK8s_GracefulShutdown(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	shutdown := shutdownTimeout(t, m)
	for _, name := range []string{"wab-api", "wab-worker"} {
		spec := byName[*appsv1.Deployment](t, m, name).Spec.Template.Spec
		c := onlyContainer(t, name, spec)
		var preStop time.Duration
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
			require.NotNil(t, c.Lifecycle.PreStop.Sleep, "%s: preStop is a sleep action (the image has no shell for exec)", name)
			preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
		require.NotNil(t, spec.TerminationGracePeriodSeconds, name)
		grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
		require.Greater(t, grace, preStop+shutdown, "%s: grace period covers preStop + SHUTDOWN_TIMEOUT", name)
	}
	apiC := onlyContainer(t, "wab-api", byName[*appsv1.Deployment](t, m, "wab-api").Spec.Template.Spec)
	require.NotNil(t, apiC.Lifecycle, "the API waits for its endpoint to be removed before it stops")
	require.GreaterOrEqual(t, apiC.Lifecycle.PreStop.Sleep.Seconds, int64(5))
}

// TestK8s_ServiceAndIngress: the Service selects the API pods and nothing
// else, and the Ingresses route every public route of the app to it (the
// webhook and the WebSocket with the body size and timeouts they need) and
// nothing else: not /metrics, and no catch-all that would publish a route
// added later.
func TestK8s_ServiceAndIngress(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	apiDep := byName[*appsv1.Deployment](t, m, "wab-api")
	apiC := onlyContainer(t, "wab-api", apiDep.Spec.Template.Spec)
	svc := byName[*corev1.Service](t, m, "wab-api")
	require.Contains(t, []corev1.ServiceType{"", corev1.ServiceTypeClusterIP}, svc.Spec.Type)
	require.NotEmpty(t, svc.Spec.Selector)
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	for _, pt := range podTemplates(m) {
		want := pt.owner == "Deployment wab-api"
		require.Equal(t, want, sel.Matches(labels.Set(pt.spec.Labels)), "Service wab-api selects %s: %v", pt.owner, want)
	}
	for _, p := range svc.Spec.Ports {
		requirePortOf(t, "Service wab-api port "+p.Name, apiC, p.TargetPort)
	}

	ings := all[*networkingv1.Ingress](m)
	for _, ing := range ings {
		require.Equal(t, "nginx", ptrVal(ing.Spec.IngressClassName), "Ingress %s: ingress-nginx", ing.Name)
		for _, r := range ing.Spec.Rules {
			require.NotNil(t, r.HTTP, ing.Name)
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				require.NotNil(t, b, "Ingress %s: a Service backend", ing.Name)
				s := byName[*corev1.Service](t, m, b.Name)
				found := false
				for _, sp := range s.Spec.Ports {
					found = found || (b.Port.Name != "" && sp.Name == b.Port.Name) || (b.Port.Number != 0 && sp.Port == b.Port.Number)
				}
				require.True(t, found, "Ingress %s: Service %s has port %v", ing.Name, b.Name, b.Port)
			}
		}
	}
	webhookIng, svcName := ingressFor(t, ings, api.WebhookPath)
	require.Equal(t, "wab-api", svcName)
	require.GreaterOrEqual(t, nginxSize(t, webhookIng.Annotations["nginx.ingress.kubernetes.io/proxy-body-size"]), int64(webhook.MaxBodyBytes),
		"Ingress %s: Meta's webhooks can be %d bytes", webhookIng.Name, webhook.MaxBodyBytes)
	for _, path := range publicPaths(t) {
		_, svcName := ingressFor(t, ings, path)
		require.Equal(t, "wab-api", svcName, "%s reaches the API", path)
	}
	for _, path := range unroutedPaths(t) {
		if ing, svcName, ok := ingressMatch(t, ings, path); ok {
			require.Failf(t, "routed publicly", "%s must not be public, but Ingress %s routes it to %s", path, ing.Name, svcName)
		}
	}
	wsIng, svcName := ingressFor(t, ings, "/ws")
	require.Equal(t, "wab-api", svcName)
	for _, a := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
		v := wsIng.Annotations["nginx.ingress.kubernetes.io/"+a]
		require.NotEmpty(t, v, "Ingress %s sets %s for idle WebSockets", wsIng.Name, a)
		secs, err := strconv.Atoi(v)
		require.NoError(t, err)
		require.GreaterOrEqual(t, secs, 3600, "Ingress %s: %s", wsIng.Name, a)
	}
	for _, ing := range ings {
		for k := range ing.Annotations {
			require.NotContains(t, k, "affinity", "Ingress %s: no sticky sessions; NOTIFY fans events out to every replica", ing.Name)
		}
	}
}

// ingressFor resolves a request path the way ingress-nginx does for Prefix
// paths: the longest matching prefix, element by element.
func ingressFor(t *testing.T, ings []*networkingv1.Ingress, path string) (*networkingv1.Ingress, string) {
	t.Helper()
	ing, svc, ok := ingressMatch(t, ings, path)
	require.True(t, ok, "no Ingress routes %s", path)
	return ing, svc
}

// ingressMatch is ingressFor, reporting whether any path matches at all.
func ingressMatch(t *testing.T, ings []*networkingv1.Ingress, path string) (*networkingv1.Ingress, string, bool) {
	t.Helper()
	var best *networkingv1.Ingress
	var svc string
	bestLen := -1
	for _, ing := range ings {
		for _, r := range ing.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				require.NotNil(t, p.PathType, "Ingress %s: pathType", ing.Name)
				ok := false
				switch *p.PathType {
				case networkingv1.PathTypeExact:
					ok = p.Path == path
				case networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific:
					pre := strings.TrimSuffix(p.Path, "/")
					ok = pre == "" || path == pre || strings.HasPrefix(path, pre+"/")
				}
				if ok && len(p.Path) > bestLen {
					best, svc, bestLen = ing, p.Backend.Service.Name, len(p.Path)
				}
			}
		}
	}
	if best == nil {
		return nil, "", false
	}
	return best, svc, true
}

// tunnelPath is the public hostname's Path documented in the header of
// deploy/k8s/optional/cloudflared.yaml (the tunnel's routes live in the
// Cloudflare dashboard): a Go regular expression, as cloudflared matches it.
var tunnelPath = regexp.MustCompile(`(?m)^#\s+Path: (\S+)$`)

// TestK8s_TunnelPathKeepsMetricsPrivate: the Path the tunnel is told to use
// lets every public route of the app through and nothing else.
func TestK8s_TunnelPathKeepsMetricsPrivate(t *testing.T) {
	t.Parallel()
	src := readFile(t, "deploy/k8s/optional/cloudflared.yaml")
	found := tunnelPath.FindAllStringSubmatch(src, -1)
	require.Len(t, found, 1, "cloudflared.yaml's header gives the public hostname's Path")
	re, err := regexp.Compile(found[0][1])
	require.NoError(t, err)
	for _, path := range publicPaths(t) {
		require.True(t, re.MatchString(path), "the tunnel's Path %s lets %s through", re, path)
	}
	for _, path := range unroutedPaths(t) {
		require.False(t, re.MatchString(path), "the tunnel's Path %s must not let %s through", re, path)
	}
	require.Contains(t, readFile(t, "deploy/README.md"), "`"+found[0][1]+"`", "deploy/README.md gives the same Path")
}

// TestK8s_ScalingAndDisruption: each HPA scales an existing Deployment on CPU,
// whose pods request CPU (utilization is relative to the request); each PDB
// covers exactly one Deployment's pods and lets a drain proceed.
func TestK8s_ScalingAndDisruption(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	scaled := map[string]bool{}
	for _, h := range all[*autoscalingv2.HorizontalPodAutoscaler](m) {
		ref := h.Spec.ScaleTargetRef
		require.Equal(t, "apps/v1", ref.APIVersion, h.Name)
		require.Equal(t, "Deployment", ref.Kind, h.Name)
		d := byName[*appsv1.Deployment](t, m, ref.Name)
		scaled[d.Name] = true
		require.GreaterOrEqual(t, ptrVal(h.Spec.MinReplicas), int32(2), "HPA %s: at least two, for availability", h.Name)
		require.LessOrEqual(t, ptrVal(h.Spec.MinReplicas), h.Spec.MaxReplicas, h.Name)
		require.LessOrEqual(t, ptrVal(h.Spec.MinReplicas), ptrVal(d.Spec.Replicas), "HPA %s: its minimum is not above the Deployment's count", h.Name)
		cpu := false
		for _, mt := range h.Spec.Metrics {
			if mt.Type == autoscalingv2.ResourceMetricSourceType && mt.Resource.Name == corev1.ResourceCPU {
				require.Equal(t, autoscalingv2.UtilizationMetricType, mt.Resource.Target.Type, h.Name)
				require.Equal(t, int32(70), ptrVal(mt.Resource.Target.AverageUtilization), h.Name)
				cpu = true
			}
		}
		require.True(t, cpu, "HPA %s scales on CPU", h.Name)
		for _, c := range d.Spec.Template.Spec.Containers {
			_, ok := c.Resources.Requests[corev1.ResourceCPU]
			require.True(t, ok, "HPA %s: %s requests CPU", h.Name, c.Name)
		}
	}
	require.True(t, scaled["wab-api"], "the API has an HPA")
	require.True(t, scaled["wab-worker"], "the worker has an HPA")

	covered := map[string]bool{}
	for _, p := range all[*policyv1.PodDisruptionBudget](m) {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		require.NoError(t, err)
		var hits []string
		for _, pt := range podTemplates(m) {
			if sel.Matches(labels.Set(pt.spec.Labels)) {
				hits = append(hits, pt.owner)
			}
		}
		require.Len(t, hits, 1, "PDB %s covers one workload, got %v", p.Name, hits)
		covered[strings.TrimPrefix(hits[0], "Deployment ")] = true
		require.True(t, (p.Spec.MaxUnavailable == nil) != (p.Spec.MinAvailable == nil), "PDB %s: maxUnavailable or minAvailable", p.Name)
		if p.Spec.MaxUnavailable != nil {
			require.Positive(t, p.Spec.MaxUnavailable.IntValue(), "PDB %s lets a drain proceed", p.Name)
		}
		if p.Spec.MinAvailable != nil {
			d := byName[*appsv1.Deployment](t, m, strings.TrimPrefix(hits[0], "Deployment "))
			require.Less(t, int32(p.Spec.MinAvailable.IntValue()), ptrVal(d.Spec.Replicas), "PDB %s lets a drain proceed", p.Name)
		}
	}
	require.True(t, covered["wab-api"], "the API has a PDB")
	require.True(t, covered["wab-worker"], "the worker has a PDB")
}

// TestK8s_MigrationJob: the Job runs `migrate` once, gives up on a
// configuration error, and cleans up after itself.
func TestK8s_MigrationJob(t *testing.T) {
	t.Parallel()
	m := loadK8s(t)
	job := byName[*batchv1.Job](t, m, "wab-migrate")
	require.NotNil(t, job.Spec.BackoffLimit)
	require.NotNil(t, job.Spec.TTLSecondsAfterFinished)
	require.NotNil(t, job.Spec.ActiveDeadlineSeconds)
	require.Equal(t, corev1.RestartPolicyNever, job.Spec.Template.Spec.RestartPolicy, "podFailurePolicy needs restartPolicy Never")
	require.NotNil(t, job.Spec.PodFailurePolicy)
	failsOnUsage := false
	for _, r := range job.Spec.PodFailurePolicy.Rules {
		if r.Action == batchv1.PodFailurePolicyActionFailJob && r.OnExitCodes != nil {
			failsOnUsage = slices.Contains(r.OnExitCodes.Values, 2)
		}
	}
	require.True(t, failsOnUsage, "exit code 2 (bad configuration) fails the Job at once")
	require.True(t, strings.HasPrefix(findFile(m, job), "deploy/k8s/jobs/"),
		"the Job lives in deploy/k8s/jobs/, so `kubectl apply -f deploy/k8s/` does not run it")
	require.Equal(t, "false", configData(t, m)["MIGRATE_ON_START"], "the Job migrates; the replicas do not")
}

func findFile(m k8sManifests, obj any) string {
	for _, o := range m {
		if o.obj == obj {
			return o.file
		}
	}
	return ""
}

func ptrTrue(b *bool) bool { return b != nil && *b }

func ptrVal[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
