package keys_test

import (
	"database/sql"
	"math"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/keys"
)

type myID int32

func TestNorm(t *testing.T) {
	i64 := int64(9)
	var nilPtr *int64
	cases := []struct {
		in   any
		want any
		ok   bool
	}{
		{int(7), int64(7), true},
		{int8(-3), int64(-3), true},
		{int32(7), int64(7), true},
		{int64(7), int64(7), true},
		{uint16(7), int64(7), true},
		{uint64(7), int64(7), true},
		{myID(5), int64(5), true},
		{&i64, int64(9), true},
		{nilPtr, nil, false},
		{nil, nil, false},
		{"abc", "abc", true},
		{"", "", true},
		{0, int64(0), true},
		{[]byte("k"), "k", true},
		{sql.NullInt64{Int64: 4, Valid: true}, int64(4), true},
		{sql.NullInt64{}, nil, false},
		{sql.NullString{String: "s", Valid: true}, "s", true},
		{sql.Null[int32]{V: 3, Valid: true}, int64(3), true},
		{&sql.NullInt64{Int64: 2, Valid: true}, int64(2), true},
		{(*sql.NullInt64)(nil), nil, false},
	}
	for _, c := range cases {
		got, ok, err := keys.Norm(c.in)
		require.NoError(t, err, "%T %v", c.in, c.in)
		assert.Equal(t, c.want, got, "%T %v", c.in, c.in)
		assert.Equal(t, c.ok, ok, "%T %v", c.in, c.in)
	}
	for _, bad := range []any{1.5, true, struct{}{}, []int{1}, uint64(math.MaxUint64), sql.NullFloat64{Float64: 1, Valid: true}} {
		_, _, err := keys.Norm(bad)
		assert.ErrorIs(t, err, keys.ErrUnsupported, "%T", bad)
	}
}

func TestSet(t *testing.T) {
	var s struct {
		I    int
		I8   int8
		U    uint32
		I64P *int64
		S    string
		NI   sql.NullInt64
		NS   sql.NullString
		ID   myID
		F    float64
	}
	v := reflect.ValueOf(&s).Elem()
	require.NoError(t, keys.Set(v.FieldByName("I"), int64(42)))
	require.NoError(t, keys.Set(v.FieldByName("U"), int64(42)))
	require.NoError(t, keys.Set(v.FieldByName("I64P"), int64(43)))
	require.NoError(t, keys.Set(v.FieldByName("S"), "k"))
	require.NoError(t, keys.Set(v.FieldByName("NI"), int64(44)))
	require.NoError(t, keys.Set(v.FieldByName("NS"), "n"))
	require.NoError(t, keys.Set(v.FieldByName("ID"), int64(45)))
	assert.Equal(t, 42, s.I)
	assert.Equal(t, uint32(42), s.U)
	require.NotNil(t, s.I64P)
	assert.Equal(t, int64(43), *s.I64P)
	assert.Equal(t, "k", s.S)
	assert.Equal(t, sql.NullInt64{Int64: 44, Valid: true}, s.NI)
	assert.Equal(t, sql.NullString{String: "n", Valid: true}, s.NS)
	assert.Equal(t, myID(45), s.ID)

	// nil is NULL: a nil pointer, an invalid sql.Null*, or the zero value.
	require.NoError(t, keys.Set(v.FieldByName("I64P"), nil))
	require.NoError(t, keys.Set(v.FieldByName("NI"), nil))
	require.NoError(t, keys.Set(v.FieldByName("I"), nil))
	assert.Nil(t, s.I64P)
	assert.False(t, s.NI.Valid)
	assert.Zero(t, s.I)

	// Overflow and class mismatches are errors, and leave the field alone.
	s.I8 = 1
	assert.ErrorIs(t, keys.Set(v.FieldByName("I8"), int64(1000)), keys.ErrUnsupported)
	assert.Equal(t, int8(1), s.I8)
	assert.ErrorIs(t, keys.Set(v.FieldByName("U"), int64(-1)), keys.ErrUnsupported)
	assert.ErrorIs(t, keys.Set(v.FieldByName("I"), "7"), keys.ErrUnsupported)
	assert.ErrorIs(t, keys.Set(v.FieldByName("S"), int64(7)), keys.ErrUnsupported)
	assert.ErrorIs(t, keys.Set(v.FieldByName("F"), int64(7)), keys.ErrUnsupported)
}

func TestSetBytesAndCustom(t *testing.T) {
	type blob []byte
	var s struct {
		B  []byte
		NB blob
		BP *[]byte
		U  uint64
	}
	v := reflect.ValueOf(&s).Elem()
	require.NoError(t, keys.Set(v.FieldByName("B"), "ab"))
	require.NoError(t, keys.Set(v.FieldByName("NB"), "cd"))
	require.NoError(t, keys.Set(v.FieldByName("BP"), "ef"))
	assert.Equal(t, []byte("ab"), s.B)
	assert.Equal(t, blob("cd"), s.NB)
	require.NotNil(t, s.BP)
	assert.Equal(t, []byte("ef"), *s.BP)
	assert.ErrorIs(t, keys.Set(v.FieldByName("B"), int64(1)), keys.ErrUnsupported)
	assert.ErrorIs(t, keys.Set(v.FieldByName("U"), int64(-1)), keys.ErrUnsupported)
	assert.Zero(t, s.U)
}

type textKey string

func TestCheckValueType(t *testing.T) {
	i64, str, null := reflect.TypeFor[int64](), reflect.TypeFor[string](), reflect.TypeFor[sql.NullString]()
	uuid := reflect.TypeFor[pgtype.UUID]()
	cases := []struct {
		k, col reflect.Type
		ok     bool
	}{
		{reflect.TypeFor[int](), i64, true},
		{reflect.TypeFor[myID](), i64, true},
		{reflect.TypeFor[*uint16](), i64, true},
		{str, i64, false},
		{reflect.TypeFor[textKey](), i64, false},
		{reflect.TypeFor[float64](), i64, false},
		{reflect.TypeFor[struct{ A, B int }](), i64, false},
		{str, null, true},
		{reflect.TypeFor[textKey](), str, true},
		{i64, str, false},
		{uuid, str, true},
		{uuid, i64, false},
		{str, uuid, true},
		{i64, reflect.TypeFor[sql.Null[string]](), false},
		{reflect.TypeFor[any](), i64, true},
	}
	for _, c := range cases {
		err := keys.CheckValueType(c.k, c.col, "key x")
		if c.ok {
			assert.NoError(t, err, "%s for %s", c.k, c.col)
		} else {
			assert.ErrorIs(t, err, keys.ErrUnsupported, "%s for %s", c.k, c.col)
		}
	}
}
