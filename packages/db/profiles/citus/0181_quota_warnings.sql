-- quota_warnings (base migration 0181): at most two rows per site and month, written by the API's
-- scheduler and read with sites (a reference table): a reference table too.
SELECT create_reference_table('quota_warnings');
