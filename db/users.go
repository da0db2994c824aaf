package db

import (
	"context"
	"errors"
	"fmt"
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

// User returns one user.
func (s *Store) User(ctx context.Context, id uuid.UUID) (User, error) {
	row, err := s.q.GetUser(ctx, id)
	if err != nil {
		return User{}, wrap(err, "get user %s", id)
	}
	return userFromRow(row), nil
}

// Users lists every user by email.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.q.ListUsers(ctx)
	if err != nil {
		return nil, wrap(err, "list users")
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, nil
}

// CreateUser adds a user; an email in use (in any case) is ErrConflict. It
// runs in its own (sub)transaction so a conflict leaves a caller's
// transaction usable.
func (s *Store) CreateUser(ctx context.Context, in NewUser) (User, error) {
	var u User
	err := s.InTx(ctx, func(tx *Store) error {
		row, err := tx.q.CreateUser(ctx, dbgen.CreateUserParams{
			Email: strings.TrimSpace(in.Email), PasswordHash: in.PasswordHash, Name: in.Name, Role: string(in.Role),
		})
		if err != nil {
			return wrap(err, "create user %s", in.Email)
		}
		u = userFromRow(row)
		return nil
	})
	return u, err
}

// UserChange is a partial update; nil fields are left as they are.
type UserChange struct {
	Name         *string
	Role         *Role
	IsActive     *bool
	PasswordHash *string
}

// ErrLastAdmin refuses a change that would leave no active admin.
var ErrLastAdmin = errors.New("db: the last active admin cannot be removed, demoted or deactivated")

// UpdateUser applies c, refusing to remove the last active admin.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, c UserChange) (User, error) {
	var u User
	err := s.InTx(ctx, func(tx *Store) error {
		var role *string
		if c.Role != nil {
			r := string(*c.Role)
			role = &r
		}
		row, err := tx.q.UpdateUser(ctx, dbgen.UpdateUserParams{
			ID: id, Name: c.Name, Role: role, IsActive: c.IsActive, PasswordHash: c.PasswordHash,
		})
		if err != nil {
			return wrap(err, "update user %s", id)
		}
		u = userFromRow(row)
		return tx.requireAdmin(ctx)
	})
	return u, err
}

// DeleteUser removes a user and their API keys, refusing to remove the last
// active admin.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID) error {
	return s.InTx(ctx, func(tx *Store) error {
		n, err := tx.q.DeleteUser(ctx, id)
		if err != nil {
			return wrap(err, "delete user %s", id)
		}
		if n == 0 {
			return fmt.Errorf("delete user %s: %w", id, ErrNotFound)
		}
		return tx.requireAdmin(ctx)
	})
}

// requireAdmin fails (rolling the transaction back) when no active admin is left.
// Two concurrent demotions could each see the other's admin; the advisory lock
// serialises them.
func (s *Store) requireAdmin(ctx context.Context) error {
	if _, err := s.db.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('wab users admins'))"); err != nil {
		return wrap(err, "lock admins")
	}
	n, err := s.q.CountActiveAdmins(ctx)
	if err != nil {
		return wrap(err, "count admins")
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// APIKey is a machine credential. Its secret is shown once at creation and
// only its hash is stored.
type APIKey struct {
	ID         uuid.UUID
	UserID     uuid.UUID
	Name       string
	Prefix     string
	Role       Role
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// NewAPIKey is what CreateAPIKey stores.
type NewAPIKey struct {
	UserID    uuid.UUID
	Name      string
	Prefix    string
	Hash      []byte
	Role      Role
	ExpiresAt *time.Time
}

// CreateAPIKey stores a key's hash.
func (s *Store) CreateAPIKey(ctx context.Context, in NewAPIKey) (APIKey, error) {
	row, err := s.q.CreateAPIKey(ctx, dbgen.CreateAPIKeyParams{
		UserID: in.UserID, Name: in.Name, Prefix: in.Prefix, KeyHash: in.Hash, Role: string(in.Role), ExpiresAt: in.ExpiresAt,
	})
	if err != nil {
		return APIKey{}, wrap(err, "create api key")
	}
	return apiKeyFromRow(row), nil
}

// APIKeys lists a user's keys, newest first, revoked ones included.
func (s *Store) APIKeys(ctx context.Context, userID uuid.UUID) ([]APIKey, error) {
	rows, err := s.q.ListAPIKeys(ctx, userID)
	if err != nil {
		return nil, wrap(err, "list api keys")
	}
	out := make([]APIKey, len(rows))
	for i, r := range rows {
		out[i] = apiKeyFromRow(r)
	}
	return out, nil
}

// RevokeAPIKey revokes one of the user's live keys; ErrNotFound otherwise.
func (s *Store) RevokeAPIKey(ctx context.Context, userID, id uuid.UUID) error {
	n, err := s.q.RevokeAPIKey(ctx, dbgen.RevokeAPIKeyParams{ID: id, UserID: userID})
	if err != nil {
		return wrap(err, "revoke api key %s", id)
	}
	if n == 0 {
		return fmt.Errorf("revoke api key %s: %w", id, ErrNotFound)
	}
	return nil
}

// KeyOwner is who a live API key acts as.
type KeyOwner struct {
	KeyID  uuid.UUID
	UserID uuid.UUID
	Email  string
	Role   Role
}

// UseAPIKey finds the live key with this hash (not revoked, not expired, its
// owner active) and records its use; ErrNotFound otherwise.
func (s *Store) UseAPIKey(ctx context.Context, hash []byte) (KeyOwner, error) {
	row, err := s.q.UseAPIKey(ctx, hash)
	if err != nil {
		return KeyOwner{}, wrap(err, "use api key")
	}
	return KeyOwner{KeyID: row.ID, UserID: row.UserID, Email: row.Email, Role: Role(row.Role)}, nil
}

func apiKeyFromRow(r dbgen.APIKey) APIKey {
	return APIKey{
		ID: r.ID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, Role: Role(r.Role),
		LastUsedAt: r.LastUsedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, CreatedAt: r.CreatedAt,
	}
}
