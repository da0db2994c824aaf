package main

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

// The local stack's sandbox business number: `wab chat` uses the same
// defaults, so `make run` and `make chat` find each other with no flags.
const (
	sandboxPhoneNumberID = "100000000000001"
	sandboxAccessToken   = "sandbox-access-token"
	sandboxPort          = 8090
)

// sandboxEnv is the configuration that points the app at the sandbox. It is
// used only when the user configured no real business number.
func (s *stack) sandboxEnv(getenv func(string) string) (map[string]string, error) {
	if getenv("WHATSAPP_PHONE_NUMBER_ID") != "" || s.ports.sandbox == 0 {
		return nil, nil
	}
	secret, err := s.persistentSecret("sandbox-app-secret", 24)
	if err != nil {
		return nil, err
	}
	verify, err := s.persistentSecret("sandbox-verify-token", 12)
	if err != nil {
		return nil, err
	}
	s.sandboxSecret = secret
	return map[string]string{
		"WHATSAPP_PHONE_NUMBER_ID":      sandboxPhoneNumberID,
		"WHATSAPP_ACCESS_TOKEN":         sandboxAccessToken,
		"WHATSAPP_APP_SECRET":           secret,
		"WHATSAPP_WEBHOOK_VERIFY_TOKEN": verify,
		"WHATSAPP_API_BASE_URL":         s.sandboxURL(),
		"REST_ALLOW_PRIVATE_NETWORKS":   "true",
	}, nil
}

func (s *stack) sandboxURL() string {
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.ports.sandbox))
}

// startSandbox serves the fake Graph API; its status webhooks go to the API
// on apiPort, signed with the sandbox account's app secret.
func (s *stack) startSandbox(ctx context.Context, apiPort int) error {
	if s.sandboxSecret == "" {
		return nil // a real business number is configured
	}
	rs, err := sandbox.Start(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.ports.sandbox)), sandbox.Options{
		AppSecret:  s.sandboxSecret,
		WebhookURL: fmt.Sprintf("http://127.0.0.1:%d/api/webhooks/whatsapp", apiPort),
		AutoRead:   true,
	})
	if err != nil {
		return fmt.Errorf("start the WhatsApp sandbox on port %d (pass -sandbox-port): %w", s.ports.sandbox, err)
	}
	s.sandbox = rs
	return nil
}
