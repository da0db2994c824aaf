package deploy_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
