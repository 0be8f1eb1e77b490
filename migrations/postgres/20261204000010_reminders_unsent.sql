-- Composing reads the day's reminders that no e-mail carries yet, a few
-- recipients at a time in recipient order (`Store::unsent_reminders`).
-- This index holds just those, in that order, so that each batch reads its
-- own rows rather than sorting all of the day's that are left.
CREATE INDEX reminders_unsent ON reminders (for_day, recipient, id) WHERE outbox_id IS NULL;
