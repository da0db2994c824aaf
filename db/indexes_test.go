package db_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db/dbtest"
)

// TestQueries_UseIndexes enforces "no query without an index": every query in
// db/queries that reads rows (SELECT, UPDATE, DELETE, INSERT ... SELECT) is
// planned generically (as a cached prepared statement is) with sequential
// scans disabled. The planner then takes a Seq Scan only when no index can
// serve the query at all, so a Seq Scan in the plan means a missing index.
// A paged query (LIMIT) must also read an index in order: a Sort means it
// would sort every matching row to return a page.
func TestQueries_UseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	queries := loadQueries(t)
	tx := planTx(ctx, t)
	checked := 0
	for _, q := range queries {
		if !readsRows(q.sql) {
			continue
		}
		checked++
		problems, err := planProblems(ctx, tx, q.sql)
		require.NoError(t, err, "%s (%s)", q.name, q.file)
		require.Empty(t, problems, "%s (%s) needs an index (or a different query)", q.name, q.file)
	}
	require.Greater(t, checked, 10, "the query files were not parsed")
}

// The checker must catch what it is for, or a green test proves nothing.
func TestPlanChecker_CatchesUnindexedQueries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := planTx(ctx, t)
	for sql, want := range map[string]string{
		"SELECT * FROM messages WHERE error_title = @title":                              "Seq Scan on messages",
		"SELECT * FROM accounts ORDER BY health":                                         "Seq Scan on accounts",
		"UPDATE sessions SET current_node_id = 'x' WHERE workflow_id = @wf":              "Seq Scan on sessions",
		"SELECT m.* FROM messages m JOIN contacts c ON c.wa_id = m.sender":               "Seq Scan on messages",
		"SELECT * FROM conversations WHERE unread_count > sqlc.arg(n)::int":              "Seq Scan on conversations",
		"SELECT * FROM messages WHERE conversation_id = @id ORDER BY type LIMIT @n":      "Sort",
		"SELECT * FROM sessions WHERE status = @s ORDER BY started_at DESC, id LIMIT @n": "Sort",
	} {
		problems, err := planProblems(ctx, tx, toPositional(sql))
		require.NoError(t, err, sql)
		require.Contains(t, strings.Join(problems, "; "), want, sql)
	}
	for _, sql := range []string{
		"SELECT * FROM messages WHERE conversation_id = @id",
		"SELECT * FROM sessions WHERE status = @s ORDER BY started_at DESC, id DESC LIMIT @n",
	} {
		problems, err := planProblems(ctx, tx, toPositional(sql))
		require.NoError(t, err)
		require.Empty(t, problems, sql)
	}
}

func TestToPositional(t *testing.T) {
	t.Parallel()
	got := toPositional("SELECT sqlc.embed(c) FROM c WHERE a = @a AND b = sqlc.narg(b)::int AND c = sqlc.arg(a) OR @b IS NULL")
	require.Equal(t, "SELECT c.* FROM c WHERE a = $1 AND b = $2::int AND c = $1 OR $2 IS NULL", got)
}

type namedQuery struct{ file, name, sql string }

var nameLine = regexp.MustCompile(`^-- name: (\w+) :\w+`)

// loadQueries splits db/queries/*.sql on sqlc's "-- name:" lines.
func loadQueries(t *testing.T) []namedQuery {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("queries", "*.sql"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []namedQuery
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, line := range strings.Split(string(data), "\n") {
			if m := nameLine.FindStringSubmatch(line); m != nil {
				out = append(out, namedQuery{file: filepath.Base(f), name: m[1]})
				continue
			}
			if len(out) == 0 || strings.HasPrefix(strings.TrimSpace(line), "--") {
				continue
			}
			out[len(out)-1].sql += line + "\n"
		}
	}
	for i := range out {
		out[i].sql = toPositional(strings.TrimSuffix(strings.TrimSpace(out[i].sql), ";"))
	}
	return out
}

var param = regexp.MustCompile(`sqlc\.embed\((\w+)\)|sqlc\.n?arg\((\w+)\)|@(\w+)`)

// toPositional rewrites sqlc's named parameters to $1, $2, ... numbered in
// order of first appearance, as sqlc does; sqlc.embed(t) becomes t.*.
func toPositional(sql string) string {
	seen := map[string]int{}
	return param.ReplaceAllStringFunc(sql, func(m string) string {
		sub := param.FindStringSubmatch(m)
		if sub[1] != "" {
			return sub[1] + ".*"
		}
		name := sub[2] + sub[3]
		if _, ok := seen[name]; !ok {
			seen[name] = len(seen) + 1
		}
		return fmt.Sprintf("$%d", seen[name])
	})
}

var writeOnly = regexp.MustCompile(`(?is)^\s*INSERT\b`)

// readsRows skips plain INSERTs: they touch indexes only to check uniqueness.
func readsRows(sql string) bool {
	return !writeOnly.MatchString(sql) || regexp.MustCompile(`(?i)\bSELECT\b`).MatchString(sql)
}

// planTx is a transaction set up for planning: generic plans (what a cached
// prepared statement gets) and sequential scans priced out.
func planTx(ctx context.Context, t *testing.T) pgx.Tx {
	t.Helper()
	tx := dbtest.Tx(ctx, t)
	_, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off",
		pgx.QueryExecModeSimpleProtocol)
	require.NoError(t, err)
	return tx
}

var limited = regexp.MustCompile(`(?i)\bLIMIT\b`)

// planProblems prepares sql, explains its generic plan with dummy arguments of
// the parameters' types, and reports sequential scans, and sorts in paged queries.
func planProblems(ctx context.Context, tx pgx.Tx, sql string) ([]string, error) {
	// Simple protocol throughout: $N must reach the server as PREPARE's own parameters.
	simple := pgx.QueryExecModeSimpleProtocol
	if _, err := tx.Exec(ctx, "PREPARE index_check AS "+sql, simple); err != nil {
		return nil, fmt.Errorf("prepare: %w\n%s", err, sql)
	}
	defer func() { _, _ = tx.Exec(context.WithoutCancel(ctx), "DEALLOCATE index_check", simple) }()

	var types []string
	if err := tx.QueryRow(ctx,
		"SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 'index_check'", simple,
	).Scan(&types); err != nil {
		return nil, fmt.Errorf("parameter types: %w", err)
	}
	args := make([]string, len(types))
	for i, typ := range types {
		args[i] = dummy(typ)
	}
	explain := "EXPLAIN (FORMAT JSON) EXECUTE index_check"
	if len(args) > 0 {
		explain += "(" + strings.Join(args, ", ") + ")"
	}
	var plan []struct{ Plan planNode }
	if err := tx.QueryRow(ctx, explain, simple).Scan(&plan); err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	var problems []string
	var walk func(n planNode)
	walk = func(n planNode) {
		switch {
		case n.NodeType == "Seq Scan":
			problems = append(problems, "Seq Scan on "+n.Relation)
		case n.NodeType == "Sort" && limited.MatchString(sql):
			problems = append(problems, "Sort under a LIMIT")
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, p := range plan {
		walk(p.Plan)
	}
	return problems, nil
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

// dummy is a literal of the given type; the generic plan does not depend on it.
func dummy(typ string) string {
	v, ok := map[string]string{
		"uuid":                     "00000000-0000-0000-0000-000000000000",
		"text":                     "x",
		"integer":                  "1",
		"bigint":                   "1",
		"smallint":                 "1",
		"boolean":                  "false",
		"timestamp with time zone": "2026-01-01T00:00:00Z",
		"jsonb":                    "{}",
		"bytea":                    `\x00`,
	}[typ]
	if !ok {
		return "NULL::" + typ
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'::" + typ
}
