"""The embedded store: SQLite from the standard library behind the same ports as DynamoDB."""
