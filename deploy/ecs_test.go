package deploy_test

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	kjson "sigs.k8s.io/json"
)

// The fields of `aws ecs register-task-definition --cli-input-json` and
// `aws ecs create-service --cli-input-json` that deploy/ecs uses. Decoding is
// strict (unknown, duplicate or wrongly cased keys fail), so a field outside
// this list, or a typo, fails the test instead of being ignored.

type ecsTaskDefinition struct {
	Family                  string   `json:"family"`
	NetworkMode             string   `json:"networkMode"`
	RequiresCompatibilities []string `json:"requiresCompatibilities"`
	CPU                     string   `json:"cpu"`
	Memory                  string   `json:"memory"`
	RuntimePlatform         struct {
		OperatingSystemFamily string `json:"operatingSystemFamily"`
		CPUArchitecture       string `json:"cpuArchitecture"`
	} `json:"runtimePlatform"`
	ExecutionRoleArn     string         `json:"executionRoleArn"`
	TaskRoleArn          string         `json:"taskRoleArn"`
	ContainerDefinitions []ecsContainer `json:"containerDefinitions"`
}

type ecsContainer struct {
	Name                   string   `json:"name"`
	Image                  string   `json:"image"`
	Essential              *bool    `json:"essential"`
	Command                []string `json:"command"`
	User                   string   `json:"user"`
	ReadonlyRootFilesystem *bool    `json:"readonlyRootFilesystem"`
	LinuxParameters        *struct {
		Capabilities struct {
			Drop []string `json:"drop"`
		} `json:"capabilities"`
	} `json:"linuxParameters"`
	Environment []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"environment"`
	Secrets []struct {
		Name      string `json:"name"`
		ValueFrom string `json:"valueFrom"`
	} `json:"secrets"`
	PortMappings []ecsPortMapping `json:"portMappings"`
	HealthCheck  *struct {
		Command     []string `json:"command"`
		Interval    int      `json:"interval"`
		Timeout     int      `json:"timeout"`
		Retries     int      `json:"retries"`
		StartPeriod int      `json:"startPeriod"`
	} `json:"healthCheck"`
	StopTimeout      *int `json:"stopTimeout"`
	LogConfiguration struct {
		LogDriver string            `json:"logDriver"`
		Options   map[string]string `json:"options"`
	} `json:"logConfiguration"`
}

type ecsPortMapping struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	AppProtocol   string `json:"appProtocol"`
}

type ecsService struct {
	Cluster              string `json:"cluster"`
	ServiceName          string `json:"serviceName"`
	TaskDefinition       string `json:"taskDefinition"`
	DesiredCount         int    `json:"desiredCount"`
	LaunchType           string `json:"launchType"`
	PlatformVersion      string `json:"platformVersion"`
	NetworkConfiguration struct {
		AwsvpcConfiguration struct {
			Subnets        []string `json:"subnets"`
			SecurityGroups []string `json:"securityGroups"`
			AssignPublicIP string   `json:"assignPublicIp"`
		} `json:"awsvpcConfiguration"`
	} `json:"networkConfiguration"`
	LoadBalancers []struct {
		TargetGroupArn string `json:"targetGroupArn"`
		ContainerName  string `json:"containerName"`
		ContainerPort  int    `json:"containerPort"`
	} `json:"loadBalancers"`
	HealthCheckGracePeriodSeconds int `json:"healthCheckGracePeriodSeconds"`
	DeploymentConfiguration       struct {
		MinimumHealthyPercent    int `json:"minimumHealthyPercent"`
		MaximumPercent           int `json:"maximumPercent"`
		DeploymentCircuitBreaker struct {
			Enable   bool `json:"enable"`
			Rollback bool `json:"rollback"`
		} `json:"deploymentCircuitBreaker"`
	} `json:"deploymentConfiguration"`
	PropagateTags        string `json:"propagateTags"`
	EnableECSManagedTags bool   `json:"enableECSManagedTags"`
	EnableExecuteCommand bool   `json:"enableExecuteCommand"`
}

func decodeStrictJSON(t *testing.T, rel string, v any) {
	t.Helper()
	strict, err := kjson.UnmarshalStrict([]byte(readFile(t, rel)), v)
	require.NoError(t, err, rel)
	require.Empty(t, strict, "%s: unknown, duplicate or wrongly cased fields", rel)
}

// fargateSizes are the CPU units Fargate offers and the memory (MiB) each allows.
var fargateSizes = map[int]func(mem int) bool{
	256:  func(m int) bool { return m == 512 || m == 1024 || m == 2048 },
	512:  func(m int) bool { return m >= 1024 && m <= 4096 && m%1024 == 0 },
	1024: func(m int) bool { return m >= 2048 && m <= 8192 && m%1024 == 0 },
	2048: func(m int) bool { return m >= 4096 && m <= 16384 && m%1024 == 0 },
	4096: func(m int) bool { return m >= 8192 && m <= 30720 && m%1024 == 0 },
}

var secretRef = regexp.MustCompile(`^arn:aws:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret:|parameter/)`)

var ecsRoles = map[string]string{"api": "serve", "worker": "worker", "migrate": "migrate"}

func loadTaskDefinitions(t *testing.T) map[string]ecsTaskDefinition {
	t.Helper()
	out := map[string]ecsTaskDefinition{}
	for role := range ecsRoles {
		var td ecsTaskDefinition
		decodeStrictJSON(t, filepath.ToSlash(filepath.Join("deploy", "ecs", role+"-task-definition.json")), &td)
		out[role] = td
	}
	return out
}

func TestECS_TaskDefinitions(t *testing.T) {
	t.Parallel()
	known := configVars(t)
	for role, td := range loadTaskDefinitions(t) {
		require.Equal(t, "wab-"+role, td.Family)
		require.Equal(t, "awsvpc", td.NetworkMode, role)
		require.Equal(t, []string{"FARGATE"}, td.RequiresCompatibilities, role)
		require.Equal(t, "LINUX", td.RuntimePlatform.OperatingSystemFamily, role)
		cpu, err := strconv.Atoi(td.CPU)
		require.NoError(t, err, role)
		mem, err := strconv.Atoi(td.Memory)
		require.NoError(t, err, role)
		fits, ok := fargateSizes[cpu]
		require.True(t, ok && fits(mem), "%s: %s CPU units with %s MiB is not a Fargate size", role, td.CPU, td.Memory)
		require.True(t, strings.HasPrefix(td.ExecutionRoleArn, "arn:aws:iam::"), "%s: the execution role pulls the image, the secrets and writes the logs", role)

		require.Len(t, td.ContainerDefinitions, 1, role)
		c := td.ContainerDefinitions[0]
		require.Equal(t, role, c.Name)
		require.True(t, ptrTrue(c.Essential), role)
		require.Contains(t, c.Image, "/"+wabImage+":", role)
		require.Equal(t, []string{ecsRoles[role]}, c.Command, "%s runs `wab %s` (the image's entrypoint is the binary)", role, ecsRoles[role])
		require.True(t, ptrTrue(c.ReadonlyRootFilesystem), role)
		require.NotNil(t, c.LinuxParameters, role)
		require.Contains(t, c.LinuxParameters.Capabilities.Drop, "ALL", role)
		require.NotEmpty(t, c.User, "%s: runs as the image's nonroot user", role)
		require.NotEqual(t, "0", strings.Split(c.User, ":")[0], role)

		require.Equal(t, "awslogs", c.LogConfiguration.LogDriver, role)
		for _, o := range []string{"awslogs-group", "awslogs-region", "awslogs-stream-prefix"} {
			require.NotEmpty(t, c.LogConfiguration.Options[o], "%s: %s", role, o)
		}

		env := map[string]string{}
		for _, e := range c.Environment {
			require.NotContains(t, env, e.Name, "%s: %s twice", role, e.Name)
			env[e.Name] = e.Value
			require.True(t, known[e.Name] || runtimeVars[e.Name], "%s sets %s, which the binary does not read", role, e.Name)
			require.False(t, isSecretVar(e.Name), "%s: %s is a secret: put it under secrets (valueFrom)", role, e.Name)
		}
		secrets := map[string]bool{}
		for _, s := range c.Secrets {
			require.NotContains(t, env, s.Name, "%s: %s both literal and secret", role, s.Name)
			secrets[s.Name] = true
			require.True(t, known[s.Name], "%s: secret %s is not a variable the binary reads", role, s.Name)
			require.Regexp(t, secretRef, s.ValueFrom, "%s: %s comes from Secrets Manager or SSM", role, s.Name)
		}
		require.True(t, secrets["DATABASE_URL"], "%s: DATABASE_URL from the secrets store", role)
		if role != "migrate" {
			for _, name := range requiredSecrets {
				require.True(t, secrets[name], "%s: %s from the secrets store", role, name)
			}
		}
		if v, ok := env["GOMEMLIMIT"]; ok {
			require.Less(t, parseGoMemLimit(t, v), int64(mem)<<20, "%s: GOMEMLIMIT below the task's memory", role)
		}

		// The API serves on PORT, the worker its metrics and liveness on
		// METRICS_PORT; each checks itself with `wab healthcheck` against a
		// route it serves. The migration serves nothing.
		switch v := rolePort(ecsRoles[role]); v {
		case "":
			require.Empty(t, c.PortMappings, "%s serves nothing", role)
			require.Nil(t, c.HealthCheck, "%s: `wab healthcheck` needs an HTTP server", role)
		default:
			require.Len(t, c.PortMappings, 1, role)
			require.Equal(t, env[v], strconv.Itoa(c.PortMappings[0].ContainerPort), "%s: the app listens on %s", role, v)
			require.NotNil(t, c.HealthCheck, "%s has a container health check", role)
			require.NotEmpty(t, c.HealthCheck.Command, role)
			require.Equal(t, "CMD", c.HealthCheck.Command[0], "%s: the image has no shell for CMD-SHELL", role)
			requireHealthcheck(t, role+" health check", ecsRoles[role], c.HealthCheck.Command[1:], env)
			require.Less(t, c.HealthCheck.Timeout, c.HealthCheck.Interval, role)
			require.Positive(t, c.HealthCheck.StartPeriod, "%s: the check waits for the start (PostgreSQL is awaited up to 30s)", role)
		}
		require.Equal(t, role == "worker", slices.ContainsFunc(c.PortMappings, func(p ecsPortMapping) bool { return p.Name == "metrics" }),
			"%s: the worker's port mapping is named metrics", role)
		if role != "migrate" {
			shutdown, err := time.ParseDuration(env["SHUTDOWN_TIMEOUT"])
			require.NoError(t, err, "%s: SHUTDOWN_TIMEOUT", role)
			require.NotNil(t, c.StopTimeout, role)
			stop := time.Duration(*c.StopTimeout) * time.Second
			require.Greater(t, stop, shutdown, "%s: ECS waits longer than the app drains before SIGKILL", role)
			require.LessOrEqual(t, *c.StopTimeout, 120, "%s: Fargate's stopTimeout maximum", role)
		}
	}
}

func TestECS_Services(t *testing.T) {
	t.Parallel()
	tds := loadTaskDefinitions(t)
	for _, role := range []string{"api", "worker"} {
		var s ecsService
		decodeStrictJSON(t, filepath.ToSlash(filepath.Join("deploy", "ecs", role+"-service.json")), &s)
		td := tds[role]
		require.Equal(t, td.Family, s.TaskDefinition, role)
		require.Equal(t, "FARGATE", s.LaunchType, role)
		require.GreaterOrEqual(t, s.DesiredCount, 2, "%s: at least two tasks", role)
		require.NotEmpty(t, s.NetworkConfiguration.AwsvpcConfiguration.Subnets, role)
		require.NotEmpty(t, s.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups, role)
		require.Equal(t, "DISABLED", s.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIP, "%s: private subnets", role)
		require.True(t, s.DeploymentConfiguration.DeploymentCircuitBreaker.Enable, role)
		require.True(t, s.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback, role)
		require.Equal(t, 100, s.DeploymentConfiguration.MinimumHealthyPercent, "%s: rollouts never go below the desired count", role)
		if role == "worker" {
			require.Empty(t, s.LoadBalancers, "the worker takes no traffic")
			continue
		}
		require.Len(t, s.LoadBalancers, 1)
		lb := s.LoadBalancers[0]
		c := td.ContainerDefinitions[0]
		require.Equal(t, c.Name, lb.ContainerName)
		require.True(t, slices.ContainsFunc(c.PortMappings, func(p ecsPortMapping) bool {
			return p.ContainerPort == lb.ContainerPort
		}), "the load balancer targets a mapped port")
		require.Positive(t, s.HealthCheckGracePeriodSeconds, "the ALB check waits for startup")
	}
}
