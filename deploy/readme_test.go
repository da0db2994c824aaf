package deploy_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/wabuilder/wab/workflows"
)

// readmeCommands is deploy/README.md with shell line continuations joined, one
// command per line.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	return strings.Split(strings.ReplaceAll(readFile(t, "deploy/README.md"), "\\\n", " "), "\n")
}

func commandLine(t *testing.T, lines []string, prefix string) string {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	require.Failf(t, "missing command", "deploy/README.md has no `%s …`", prefix)
	return ""
}

func flagValues(line, flag string) []string {
	var out []string
	for _, m := range regexp.MustCompile(regexp.QuoteMeta(flag)+`[ =]([^ ]+)`).FindAllStringSubmatch(line, -1) {
		out = append(out, strings.Trim(m[1], `'"`))
	}
	return out
}

// TestReadme_Temporal: the namespace and search-attribute commands create what
// the workflows use and the ConfigMap names.
func TestReadme_Temporal(t *testing.T) {
	t.Parallel()
	lines := readmeCommands(t)
	cm := configData(t, loadK8s(t))
	ns := cm["TEMPORAL_NAMESPACE"]
	require.NotEmpty(t, ns)

	create := commandLine(t, lines, "temporal operator namespace create")
	require.Equal(t, []string{ns}, flagValues(create, "--namespace"))
	require.Equal(t, []string{cm["TEMPORAL_ADDRESS"]}, flagValues(create, "--address"), "the README's frontend is the ConfigMap's")

	sa := commandLine(t, lines, "temporal operator search-attribute create")
	require.Equal(t, []string{ns}, flagValues(sa, "--namespace"))
	types := flagValues(sa, "--type")
	require.Len(t, types, 1, "the CLI takes one --type for all --name flags")
	names := flagValues(sa, "--name")
	require.Len(t, names, len(workflows.SearchAttributeTypes))
	for name, typ := range workflows.SearchAttributeTypes {
		require.Contains(t, names, name)
		require.Equal(t, typ, types[0], "%s is a %s", name, typ)
	}
	require.Contains(t, readFile(t, "deploy/README.md"), "`"+workflows.TaskQueue+"`", "the README names the task queue")
}

// TestReadme_Secrets: the documented `kubectl create secret` sets every
// required key the manifests reference, and names every optional one.
func TestReadme_Secrets(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "deploy/README.md")
	cmd := commandLine(t, readmeCommands(t), "kubectl -n wab create secret generic wab-secrets")
	var literals []string
	for _, v := range flagValues(cmd, "--from-literal") {
		k, _, _ := strings.Cut(v, "=")
		literals = append(literals, k)
	}
	referenced := map[string]bool{}
	for where, c := range wabContainers(loadK8s(t)) {
		for _, e := range c.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			referenced[ref.Key] = true
			if ptrTrue(ref.Optional) {
				require.Contains(t, readme, "`"+ref.Key+"`", "%s: the README names optional secret key %s", where, ref.Key)
			} else {
				require.Contains(t, literals, ref.Key, "%s: the README's kubectl create secret sets required key %s", where, ref.Key)
			}
		}
	}
	for _, k := range literals {
		require.True(t, referenced[k], "the README sets %s, which no manifest reads", k)
	}
}

// TestReadme_ListsEveryFile: deploy/README.md names every manifest, so the
// file table does not go stale.
func TestReadme_ListsEveryFile(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "deploy/README.md")
	for _, dir := range []string{"deploy/k8s", "deploy/ecs", "deploy/nginx"} {
		for _, f := range filesUnder(t, dir, ".yaml", ".yml", ".json", ".conf") {
			rel := strings.TrimPrefix(f, "deploy/")
			require.Contains(t, readme, "`"+rel+"`", "deploy/README.md lists %s", rel)
		}
	}
	require.Contains(t, readme, "`../docker-compose.yml`", "and the one-host setup")
}

// TestReadme_ALBRoutesOnlyPublicPaths: the documented listener answers 404 by
// default and forwards the public routes (ALB path patterns: * and ?
// wildcards, case-sensitive) to the API's target group, never /metrics.
func TestReadme_ALBRoutesOnlyPublicPaths(t *testing.T) {
	t.Parallel()
	lines := readmeCommands(t)
	def := commandLine(t, lines, "aws elbv2 modify-listener")
	require.Contains(t, def, "Type=fixed-response,FixedResponseConfig={StatusCode=404}", "the listener answers 404 to what no rule forwards")
	rule := commandLine(t, lines, "aws elbv2 create-rule")
	m := regexp.MustCompile(`Field=path-pattern,PathPatternConfig=\{Values=\[([^\]]+)\]\}`).FindStringSubmatch(rule)
	require.NotNil(t, m, "the rule matches path patterns")
	var globs []*regexp.Regexp
	for _, g := range strings.Split(m[1], ",") {
		re := regexp.QuoteMeta(g)
		re = strings.ReplaceAll(re, `\*`, ".*")
		re = strings.ReplaceAll(re, `\?`, ".")
		globs = append(globs, regexp.MustCompile("^"+re+"$"))
	}
	require.LessOrEqual(t, len(globs), 5, "an ALB condition takes at most 5 path patterns")
	forwarded := func(path string) bool {
		for _, g := range globs {
			if g.MatchString(path) {
				return true
			}
		}
		return false
	}
	for _, path := range publicPaths(t) {
		require.True(t, forwarded(path), "the ALB rule forwards %s", path)
	}
	for _, path := range unroutedPaths(t) {
		require.False(t, forwarded(path), "the ALB rule must not forward %s", path)
	}
	var svc ecsService
	decodeStrictJSON(t, "deploy/ecs/api-service.json", &svc)
	require.Len(t, svc.LoadBalancers, 1)
	require.Equal(t, []string{svc.LoadBalancers[0].TargetGroupArn}, flagValues(rule, "TargetGroupArn"),
		"the rule forwards to the API service's target group")
}

// TestReadme_PodMonitor: the documented PodMonitor selects the API and worker
// pods and scrapes each on a port it has, at a path its role serves.
func TestReadme_PodMonitor(t *testing.T) {
	t.Parallel()
	var doc string
	for _, block := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(readFile(t, "deploy/README.md"), -1) {
		if strings.Contains(block[1], "kind: PodMonitor") {
			doc = block[1]
		}
	}
	require.NotEmpty(t, doc, "deploy/README.md shows a PodMonitor")
	var pm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Selector            metav1.LabelSelector `json:"selector"`
			PodMetricsEndpoints []struct {
				Port string `json:"port"`
				Path string `json:"path"`
			} `json:"podMetricsEndpoints"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &pm))
	require.Equal(t, "monitoring.coreos.com/v1", pm.APIVersion)
	require.Equal(t, "PodMonitor", pm.Kind)
	sel, err := metav1.LabelSelectorAsSelector(&pm.Spec.Selector)
	require.NoError(t, err)
	m := loadK8s(t)
	for _, name := range []string{"wab-api", "wab-worker"} {
		tpl := byName[*appsv1.Deployment](t, m, name).Spec.Template
		require.True(t, sel.Matches(labels.Set(tpl.Labels)), "the PodMonitor selects %s's pods", name)
		c := onlyContainer(t, name, tpl.Spec)
		scraped := false
		for _, ep := range pm.Spec.PodMetricsEndpoints {
			for _, p := range c.Ports {
				if p.Name == ep.Port {
					require.Contains(t, roleRoutes(t, c.Args[0]), ep.Path, "%s: port %s serves %s", name, p.Name, ep.Path)
					scraped = true
				}
			}
		}
		require.True(t, scraped, "the PodMonitor scrapes %s", name)
	}
}
