"""The admin web console (issue 13), served by `troly06 run` when `web.enabled` is set."""
