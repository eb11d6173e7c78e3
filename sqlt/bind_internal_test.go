package sqlt

import (
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
