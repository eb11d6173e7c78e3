package query

// MaxInsertParams is maxInsertParams, for the tests of the batch sizes.
const MaxInsertParams = maxInsertParams
