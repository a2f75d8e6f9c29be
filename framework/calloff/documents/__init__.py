"""What people read: call-off orders and records, competition letters, the JSON
shapes, and council templates rendered in a sandbox."""
