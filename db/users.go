package db

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
	"github.com/wabuilder/wab/db/secret"
)

// Role is what a user or API key may do.
type Role string

// Roles, as allowed by the users.role CHECK constraint.
const (
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// User is a console operator.
type User struct {
	ID    uuid.UUID
	Email string
	// PasswordHash is a hash, but still redacted: offline cracking starts with a leaked hash.
	PasswordHash secret.Value
	Name         string
	Role         Role
	IsActive     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NewUser is what EnsureUser creates. PasswordHash must already be hashed.
type NewUser struct {
	Email        string
	PasswordHash string
	Name         string
	Role         Role
}

// EnsureUser creates the user unless one with the same email (in any case)
// exists, and returns the stored user either way. It never changes an existing
// user, so re-running it at start (ADMIN_EMAIL) cannot reset a password.
func (s *Store) EnsureUser(ctx context.Context, in NewUser) (u User, created bool, err error) {
	email := strings.TrimSpace(in.Email)
	if email == "" || in.PasswordHash == "" {
		return User{}, false, errors.New("ensure user: email and password hash are required")
	}
	if in.Role == "" {
		in.Role = RoleAgent
	}
	row, err := s.q.CreateUserIfAbsent(ctx, dbgen.CreateUserIfAbsentParams{
		Email: email, PasswordHash: in.PasswordHash, Name: in.Name, Role: string(in.Role),
	})
	if err == nil {
		return userFromRow(row), true, nil
	}
	if !noRow(err) {
		return User{}, false, wrap(err, "create user %s", email)
	}
	u, err = s.UserByEmail(ctx, email)
	return u, false, err
}

// UserByEmail finds a user by email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	row, err := s.q.GetUserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		return User{}, wrap(err, "get user %s", email)
	}
	return userFromRow(row), nil
}

// CountUsers returns how many users exist (zero means first-run setup).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	n, err := s.q.CountUsers(ctx)
	if err != nil {
		return 0, wrap(err, "count users")
	}
	return int(n), nil
}

func userFromRow(r dbgen.User) User {
	return User{
		ID: r.ID, Email: r.Email, PasswordHash: secret.Value(r.PasswordHash), Name: r.Name,
		Role: Role(r.Role), IsActive: r.IsActive, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}
