"""The store: the only code that runs SQL.

The database file, its schema and upgrades, each table's reads and writes, and the
hash-chained audit trail with the seal that proves nobody rewrote it."""
