-- Conflict checks read other sessions' open deltas by entity: index them that way.
CREATE INDEX world_deltas_open_by_entity ON world_deltas (entity_id, status);
