-- Lists of extensions and ring groups are shown in numeric order (`ORDER BY CAST(number AS
-- INTEGER), number`, so 200 comes before 1000), as the original APIs sorted them. These indexes
-- on that exact expression let SQLite read them in order instead of sorting every time.
CREATE INDEX extensions_numeric_order ON extensions (CAST(number AS INTEGER), number);
CREATE INDEX ring_groups_numeric_order ON ring_groups (CAST(number AS INTEGER), number);
