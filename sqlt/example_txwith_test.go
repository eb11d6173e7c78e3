package sqlt_test

import (
	"context"
	"fmt"
	"log"

	"github.com/relkit/relkit/sqlt"
)

// TxWith with retries: when the transaction fails because of another one
// (SQLITE_BUSY past the busy timeout on SQLite; a serialization failure or
// deadlock on PostgreSQL), it is rolled back and fn runs again, up to
// MaxRetries times. fn must be safe to run more than once.
func ExampleTxWith() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `create table accounts (id integer primary key, balance integer not null)`); err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(ctx, `insert into accounts (id, balance) values (1, 100), (2, 0)`); err != nil {
		log.Fatal(err)
	}

	opts := sqlt.TxOptions{Isolation: sqlt.Serializable, MaxRetries: 5}
	err = sqlt.TxWith(ctx, db, opts, func(tx sqlt.Executor) error {
		if _, err := tx.Exec(ctx, `update accounts set balance = balance - ? where id = ?`, 30, 1); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `update accounts set balance = balance + ? where id = ?`, 30, 2)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	// A read-only transaction refuses writes, on SQLite as on PostgreSQL.
	err = sqlt.TxWith(ctx, db, sqlt.TxOptions{ReadOnly: true}, func(tx sqlt.Executor) error {
		rows, err := tx.Query(ctx, `select balance from accounts order by id`)
		if err != nil {
			return err
		}
		balances, err := sqlt.ScanAll[int64](rows)
		fmt.Println(balances)
		return err
	})
	fmt.Println(err)
	// Output:
	// [70 30]
	// <nil>
}
