"""The channels: one sub-package per platform (`telegram`, `zalo_bot`, `zalo_oa`), the
terminal (`console`), and the parts they share, each written once:

- `receiving`: event → conversation → outbox (`Responder`, the per-channel `Inbox`);
- `delivery`: a sender joining the outbox, the parts of a split reply already sent;
- `plain_text`: replies as plain text with numbered choices (Zalo, console);
- `http`: time limits that tell "surely not sent" from "maybe delivered";
- `webhook`: the webhook server and the constant-time secret check;
- `settings`: what every channel reads from its configuration section;
- `bounded`: the size-limited memories a long-running channel keeps.
"""


class ChannelStartError(Exception):
    """A channel cannot start for a reason waiting will not fix (e.g. a rejected token)."""
