// Package schema maps Go structs to tables and scans rows into them, for
// every relkit package: a [Model] per struct type (table, columns, primary
// key, timestamps), computed once and cached, with its column plans; the
// naming conventions ([Snake], [Plural]); value conversion into fields
// ([Assign]); and the scanning core ([ScanInto], [ScanFunc], [Scan]) over
// the small [Rows] interface that *sqlt.Rows implements. It does not
// import sqlt: sqlt's ScanAll, ScanOne and ScanEach are thin wrappers over
// it, and sqlt re-exports its errors and the Tabler and PrimaryKeyer
// interfaces.
package schema
