"""The harness's library: the command line, the catalog of flows, page objects, API calls and the cURL runner.
The flow modules in playbooks/ use it; it never imports them but to list them."""
