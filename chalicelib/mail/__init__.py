"""E-mail the platform sends (password resets, invitations, notifications): queued in the store,
sent by the worker through the Mailer port (Amazon SES; in local mode the sandbox, with a copy
of every message on disk)."""
