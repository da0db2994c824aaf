package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestEnsureUser_NeverOverwrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	email := "Admin" + dbtest.Unique() + "@Example.com"

	first, created, err := s.EnsureUser(ctx, db.NewUser{Email: email, PasswordHash: "hash-1", Name: "Ana", Role: db.RoleAdmin})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, email, first.Email)
	require.Equal(t, db.RoleAdmin, first.Role)
	require.True(t, first.IsActive)

	// Same email in another case, new password: the stored user stays as it was.
	again, created, err := s.EnsureUser(ctx, db.NewUser{Email: " " + lower(email) + " ", PasswordHash: "hash-2", Role: db.RoleAgent})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, "hash-1", again.PasswordHash.Reveal())
	require.Equal(t, db.RoleAdmin, again.Role)

	byEmail, err := s.UserByEmail(ctx, lower(email))
	require.NoError(t, err)
	require.Equal(t, first.ID, byEmail.ID)
}

func TestEnsureUser_DefaultsAndValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)

	u, created, err := s.EnsureUser(ctx, db.NewUser{Email: "agent" + dbtest.Unique() + "@example.com", PasswordHash: "h"})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, db.RoleAgent, u.Role)

	_, _, err = s.EnsureUser(ctx, db.NewUser{Email: "x@example.com"})
	require.ErrorContains(t, err, "password hash")
}

func TestCountUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	before, err := s.CountUsers(ctx)
	require.NoError(t, err)
	dbtest.User(ctx, t, s, nil)
	dbtest.User(ctx, t, s, nil)
	after, err := s.CountUsers(ctx)
	require.NoError(t, err)
	require.Equal(t, before+2, after)
}
