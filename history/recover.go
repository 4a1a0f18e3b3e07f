package history

import "context"

// interruptedError is the error recorded for a run whose process ended
// before the run did.
const interruptedError = "the workbench stopped before the run finished (crash, kill or power loss)"

// MarkInterrupted marks as interrupted every run still recorded as running
// whose session's process is gone (or unknown), and returns how many it
// marked. Open calls it, so a run cut off by a crash is marked on the next
// start, while a run another live process (the GUI, a CLI command) is
// still answering is left alone.
func (s *Store) MarkInterrupted(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT DISTINCT coalesce(r.session_id, 0), coalesce(se.pid, 0), coalesce(se.proc_start, '')
FROM runs r LEFT JOIN sessions se ON se.id = r.session_id
WHERE r.status = 'running'`)
	if err != nil {
		return 0, s.errorf("mark interrupted runs: %w", err)
	}
	var dead []int64
	for rows.Next() {
		var session int64
		var pid int
		var start string
		if err := rows.Scan(&session, &pid, &start); err != nil {
			rows.Close()
			return 0, s.errorf("mark interrupted runs: %w", err)
		}
		if !processAlive(pid, start) {
			dead = append(dead, session)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.errorf("mark interrupted runs: %w", err)
	}
	n := 0
	for _, session := range dead {
		var id any
		if session != 0 {
			id = session
		}
		res, err := s.db.ExecContext(ctx, `
UPDATE runs SET status = 'interrupted', error = ?, done_reason = 'interrupted'
WHERE status = 'running' AND session_id IS ?`, interruptedError, id)
		if err != nil {
			return n, s.errorf("mark interrupted runs: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}
