"""Telling people (docs/messages.md): the reminders a day brings, the sending of the outbox
by SMTP, and the messages' words from templates a council can override. Above the
publishing floor, as a due publication's reminder reads the compliance calendar."""
