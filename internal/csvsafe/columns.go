package csvsafe

// Column is one column of a CSV table of T: its name in the header and
// its cell for one value. A table is a []Column[T] in the file's order,
// from which the header (Header) and every line (Row) come, so that the
// two cannot drift apart.
type Column[T any] struct {
	Name string
	Cell func(T) string
}

// Col is the column name whose cell for a value is cell(value).
func Col[T any](name string, cell func(T) string) Column[T] {
	return Column[T]{Name: name, Cell: cell}
}

// Header is the columns' names, in order.
func Header[T any](cols []Column[T]) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// Row appends v's cells, one a column in order, to dst.
func Row[T any](dst []string, cols []Column[T], v T) []string {
	for _, c := range cols {
		dst = append(dst, c.Cell(v))
	}
	return dst
}

// Opt is an optional value's cell: "" when v is nil (not set), else
// text(*v).
func Opt[T any](v *T, text func(T) string) string {
	if v == nil {
		return ""
	}
	return text(*v)
}
