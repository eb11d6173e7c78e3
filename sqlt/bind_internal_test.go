package sqlt

import (
	"database/sql"
	"reflect"
	"testing"
	"time"
)

func TestUTCArgsAllocatesNothingWithoutTimes(t *testing.T) {
	args := []any{int64(1), "two", []byte("three"), nil}
	allocs := testing.AllocsPerRun(100, func() {
		if out := utcArgs(args); &out[0] != &args[0] {
			t.Fatal("copied")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per call", allocs)
	}
	utc := []any{time.Now().UTC()}
	if out := utcArgs(utc); &out[0] != &utc[0] {
		t.Fatal("copied a slice whose times are all UTC")
	}
}

func TestTextArgsConvertsBooleansAndNumbersOnly(t *testing.T) {
	type level int
	seven := 7
	var nilInt *int
	args := []any{true, false, int8(-3), level(4), &seven, uint64(18446744073709551615), 2.5, float32(0.1),
		sql.NullInt64{Int64: 9, Valid: true}, sql.NullBool{}, nilInt, nil, "s", []byte("b"), time.Time{}}
	want := []any{"1", "0", "-3", "4", "7", "18446744073709551615", "2.5", "0.1",
		"9", sql.NullBool{}, nilInt, nil, "s", []byte("b"), time.Time{}}
	out, ok := textArgs(args)
	if !ok || !reflect.DeepEqual(out, want) {
		t.Fatalf("textArgs = %#v, %v; want %#v", out, ok, want)
	}
	if args[0] != true {
		t.Fatal("modified the caller's arguments")
	}
	if _, ok := textArgs([]any{"s", nil, []byte("b")}); ok {
		t.Fatal("converted arguments with no boolean or number")
	}
}
