package schema

import (
	"fmt"
	"reflect"
)

// Fill sets columns of v (an addressable struct of model m) from attrs,
// column → value, later maps winning: the new rows of FirstOrNew,
// FirstOrCreate and UpdateOrCreate. Column names are validated as
// CheckColumn does, values converted as Assign does.
func (m *Model) Fill(v reflect.Value, attrs ...map[string]any) error {
	for _, a := range attrs {
		for col, val := range a {
			c, err := m.CheckColumn(col)
			if err != nil {
				return err
			}
			if err := Assign(m.cols[c].Set(v), val); err != nil {
				return fmt.Errorf("column %s: %w", col, err)
			}
		}
	}
	return nil
}
