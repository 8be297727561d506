-- api_calls (base migration 0176): a few rows per agency and month, written by the API's periodic
-- upsert and read with agencies (a reference table): a reference table too.
SELECT create_reference_table('api_calls');
