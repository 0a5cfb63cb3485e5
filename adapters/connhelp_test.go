package adapters

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRunHooksInOrderSkippingEmptyAndOtherPhase(t *testing.T) {
	var ran []string
	rendered := false
	hooks := []Hook{
		{SQL: "a", Transaction: true},
		{SQL: "outside", Transaction: false},
		{SQL: "  \n", Transaction: true},
		{Transaction: true, Render: func(context.Context) (string, error) {
			// A lazy hook renders only after the hooks before it ran.
			rendered = len(ran) == 1
			return "b", nil
		}},
	}
	err := RunHooks(context.Background(), hooks, true, func(_ context.Context, q string) error {
		ran = append(ran, q)
		return nil
	})
	if err != nil || strings.Join(ran, ",") != "a,b" || !rendered {
		t.Fatalf("ran %q, rendered in order %v, err %v", ran, rendered, err)
	}
	boom := errors.New("boom")
	ran = nil
	err = RunHooks(context.Background(), []Hook{{SQL: "x", Transaction: true}, {SQL: "y", Transaction: true}}, true,
		func(_ context.Context, q string) error { ran = append(ran, q); return boom })
	if !errors.Is(err, boom) || len(ran) != 1 {
		t.Fatalf("a failing hook must stop the rest: ran %q, err %v", ran, err)
	}
}

func TestCheckMaterialize(t *testing.T) {
	ok := Relation{Schema: "s", Identifier: "m"}
	for _, tc := range []struct {
		kind RelationType
		rel  Relation
		inTx bool
		want string
	}{
		{RelView, ok, false, ""},
		{RelTable, ok, false, ""},
		{RelationType("incremental"), ok, false, `x: cannot materialize kind "incremental"`},
		{RelTable, ok, true, "x: Materialize needs a connection without an open transaction"},
		{RelTable, Relation{Identifier: "m"}, false, "x: incomplete target relation"},
	} {
		err := CheckMaterialize("x", MaterializeRequest{Kind: tc.kind}, tc.rel, tc.inTx)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v %v: %v, want %q", tc.kind, tc.rel, tc.inTx, err, tc.want)
		}
	}
}

func TestCredFieldAndIntMin(t *testing.T) {
	f := map[string]any{"username": "ana", "port": "5433", "threads": 0, "pass": nil}
	if s, err := CredField(f, "user", "username"); s != "ana" || err != nil {
		t.Errorf("CredField = %q, %v", s, err)
	}
	if s, err := CredField(f, "password", "pass"); s != "" || err != nil {
		t.Errorf("unset CredField = %q, %v", s, err)
	}
	port, threads, retries := 5432, 1, 7
	if err := CredIntMin(f, "port", &port, 1); err != nil || port != 5433 {
		t.Errorf("port %d, %v", port, err)
	}
	if err := CredIntMin(f, "threads", &threads, 1); err == nil || err.Error() != "threads must be at least 1, got 0" || threads != 1 {
		t.Errorf("threads %d, %v", threads, err)
	}
	if err := CredIntMin(f, "retries", &retries, 0); err != nil || retries != 7 {
		t.Errorf("unset retries %d, %v", retries, err)
	}
}
