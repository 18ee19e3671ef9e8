-- Round-robin auto-assignment: the online agent assigned longest ago gets the next conversation.
alter table agent add column last_assigned_at timestamptz;
