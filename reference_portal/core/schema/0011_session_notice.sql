-- A notice for the session's next page, shown once ("Signed out 2 other sessions."): what the portal did, from its
-- own record, never from a query string a crafted link could carry.
ALTER TABLE sessions ADD COLUMN notice TEXT;
