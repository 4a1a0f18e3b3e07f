package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"time"
)

// Study is what the history keeps of a study: a key that identifies it
// within this database only, its modality and description. No names, IDs
// or UIDs are stored.
type Study struct {
	// Key is the hex SHA-256 of this database's salt and the study's
	// StudyInstanceUID: the same study gets the same key here, and a key
	// cannot be traced back to the UID without the salt.
	Key                   string
	Modality, Description string
	FirstSeen             time.Time
}

// StudyKey returns the key a study with the given StudyInstanceUID has in
// this database, or "" for an empty UID (a PNG or JPEG has no study).
func (s *Store) StudyKey(ctx context.Context, studyUID string) (string, error) {
	return s.saltedKey(ctx, "\x00", studyUID)
}

// InstanceKey returns the key of the instance with the given
// SOPInstanceUID in this database, or "" for an empty UID: the hex SHA-256
// of the salt and the UID, apart from study keys. The history stores it
// per run image instead of the UID (core.Run.SourceKeys).
func (s *Store) InstanceKey(ctx context.Context, sopInstanceUID string) (string, error) {
	return s.saltedKey(ctx, "\x00instance\x00", sopInstanceUID)
}

// saltedKey is the hex SHA-256 of the salt, sep and uid; "" for no uid.
func (s *Store) saltedKey(ctx context.Context, sep, uid string) (string, error) {
	if uid == "" {
		return "", nil
	}
	salt, err := s.Salt(ctx)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(salt))
	h.Write([]byte(sep))
	h.Write([]byte(uid))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Salt returns this database's secret salt, made once when the schema was
// created. It keys study hashes and de-identification (replaced UIDs and
// shifted dates), so they are stable within one database.
func (s *Store) Salt(ctx context.Context) (string, error) {
	s.saltMu.Lock()
	defer s.saltMu.Unlock()
	if s.salt != "" {
		return s.salt, nil
	}
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'study_salt'`).Scan(&s.salt); err != nil {
		return "", s.errorf("read salt: %w", err)
	}
	return s.salt, nil
}

// PutStudy records a study by its StudyInstanceUID, with its modality and
// description, and returns its key ("" and no record for an empty UID).
// The first record of a study is kept.
func (s *Store) PutStudy(ctx context.Context, studyUID, modality, description string) (string, error) {
	key, err := s.StudyKey(ctx, studyUID)
	if err != nil || key == "" {
		return "", err
	}
	if _, err := s.db.ExecContext(ctx, `
INSERT INTO studies (key, first_seen, modality, description) VALUES (?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING`, key, formatTime(time.Now()), modality, description); err != nil {
		return "", s.errorf("put study: %w", err)
	}
	return key, nil
}

// Studies returns every recorded study, most recently first seen first.
func (s *Store) Studies(ctx context.Context) ([]Study, error) {
	out, err := queryAll(ctx, s.db, scanStudy, `SELECT key, modality, description, first_seen FROM studies ORDER BY first_seen DESC, key`)
	if err != nil {
		return nil, s.errorf("list studies: %w", err)
	}
	return out, nil
}

// scanStudy reads one row of Studies' query.
func scanStudy(rows *sql.Rows) (Study, error) {
	var st Study
	var seen string
	err := rows.Scan(&st.Key, &st.Modality, &st.Description, &seen)
	if err == nil {
		st.FirstSeen, err = parseTime(seen)
	}
	return st, err
}
