"""The service-request core: a request a project makes of outside
organisations (utility hookups, intermediary reports, 帮办代办 agents),
offered to the organisations that may answer it, with a response deadline in
working days, an event history, exactly-once claim/award transitions,
notifications through the outbox and escalation of unanswered requests."""
