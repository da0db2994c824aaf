package main

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/wabuilder/wab/db"
)

// bootstrap creates what the environment asks for on first start: the admin
// user and the first business number. It is idempotent and never overwrites an
// admin's password that was changed since.
func (a *app) bootstrap(ctx context.Context) error {
	if a.cfg.AdminEmail != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(a.cfg.AdminPassword.Reveal()), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("hash the admin password: %w", err)
		}
		_, created, err := a.store.EnsureUser(ctx, db.NewUser{
			Email: a.cfg.AdminEmail, PasswordHash: string(hash), Name: "Admin", Role: db.RoleAdmin,
		})
		if err != nil {
			return fmt.Errorf("create the bootstrap admin: %w", err)
		}
		if created {
			a.log.InfoContext(ctx, "created bootstrap admin", "email", a.cfg.AdminEmail)
		}
	}
	if w := a.cfg.WhatsApp; w.Configured() {
		acc, err := a.store.UpsertAccount(ctx, db.AccountInput{
			Name:              "WhatsApp " + w.PhoneNumberID,
			PhoneNumberID:     w.PhoneNumberID,
			WABAID:            w.WABAID,
			AccessToken:       w.AccessToken,
			AppSecret:         w.AppSecret,
			VerifyToken:       w.WebhookVerifyToken,
			APIBaseURL:        w.APIBaseURL,
			APIVersion:        w.APIVersion,
			SendRatePerSecond: w.SendRatePerSecond,
		})
		if err != nil {
			return fmt.Errorf("save the business number from the environment: %w", err)
		}
		a.log.InfoContext(ctx, "business number from environment", "phone_number_id", acc.PhoneNumberID, "account_id", acc.ID)
	}
	return nil
}
