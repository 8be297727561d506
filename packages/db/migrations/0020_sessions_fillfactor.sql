-- Writer: room for HOT updates of sessions.
--
-- A session's events reach the writer over many batches (a visit lasts minutes, a batch 100 ms), so most
-- session upserts are updates. The updated columns (ended_at, counters, exit_page, ...) are in no index;
-- when the new row version fits on the same page PostgreSQL makes a HOT update and touches none of the
-- table's seven indexes. Pages packed full by inserts leave no room, and every update then writes seven
-- new index entries. 80% leaves a fifth of each new page for the versions of its sessions.
-- Existing pages keep their layout until rewritten (VACUUM FULL / pg_repack); new ones follow at once.
ALTER TABLE sessions SET (fillfactor = 80);
