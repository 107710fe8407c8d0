package batch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// JournalSuffix is appended to the output's path to name its journal.
const JournalSuffix = ".journal"

// journalVersion is the journal's format.
const journalVersion = 1

// journalLine is one line of the journal: the header (Version, Input),
// a row sent (Sent), or a row written to the output (Done).
type journalLine struct {
	Version int    `json:"tier_batch,omitempty"`
	Input   string `json:"input,omitempty"`
	Sent    string `json:"sent,omitempty"`
	Done    string `json:"done,omitempty"`
}

// Output is a run's output file and its append-only journal. The output
// row is written first and the journal's "done" after, so a row is
// finished once its line is whole in the output: a run stopped anywhere
// (kill -9 included) resumes with every row written exactly once. A row
// the journal says was sent and the output lacks was in flight: it is sent
// again (calls are at-least-once).
type Output struct {
	out, journal *os.File
	done         map[string]bool
	n            int
}

// Resume is what the journal said when the output was opened.
type Resume struct {
	// Resumed says an earlier run of the same input was found.
	Resumed bool
	// Finished is how many rows the output already holds.
	Finished int
	// InFlight lists the rows sent by an earlier run whose answer was not
	// written: they are sent again.
	InFlight []string
}

// InputHash is the digest the journal keeps to tell that a resumed run
// has the same input.
func InputHash(input []byte, extra string) string {
	h := sha256.New()
	h.Write(input)
	h.Write([]byte{0})
	h.Write([]byte(extra))
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ErrOutputExists is an output file that exists without a journal: not a
// run of tier's to resume, and not to be overwritten.
var ErrOutputExists = errors.New("the output file exists and has no journal: not a tier batch to resume; remove it or choose another --output")

// OpenOutput opens (or resumes) the output at path for the input of
// digest input.
func OpenOutput(path, input string) (*Output, Resume, error) {
	jpath := path + JournalSuffix
	o := &Output{done: map[string]bool{}}
	var res Resume
	jdata, err := os.ReadFile(jpath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return nil, res, ErrOutputExists
		}
		if o.out, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644); err != nil {
			return nil, res, err
		}
		if o.journal, err = os.OpenFile(jpath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644); err != nil {
			o.out.Close()
			return nil, res, err
		}
		if err := o.append(journalLine{Version: journalVersion, Input: input}); err != nil {
			o.Close()
			return nil, res, err
		}
		return o, res, nil
	case err != nil:
		return nil, res, err
	}
	sent, err := readJournal(jdata, jpath, input)
	if err != nil {
		return nil, res, err
	}
	if o.out, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644); err != nil {
		return nil, res, err
	}
	if err := o.recover(); err != nil {
		o.out.Close()
		return nil, res, err
	}
	if o.journal, err = os.OpenFile(jpath, os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		o.out.Close()
		return nil, res, err
	}
	res.Resumed, res.Finished = true, len(o.done)
	for _, id := range sent {
		if !o.done[id] {
			res.InFlight = append(res.InFlight, id)
		}
	}
	return o, res, nil
}

// Finished is what OpenOutput would find at path for the input of digest
// input, read without writing anything (--dry-run): the custom ids of the
// rows the output already holds (none when there is no journal), or the
// error a run would stop with.
func Finished(path, input string) (map[string]bool, error) {
	jdata, err := os.ReadFile(path + JournalSuffix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return nil, ErrOutputExists
		}
		return nil, nil
	case err != nil:
		return nil, err
	}
	if _, err := readJournal(jdata, path+JournalSuffix, input); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	done := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var row OutputRow
		if json.Unmarshal(sc.Bytes(), &row) != nil || row.CustomID == "" {
			break // a torn last line, cut by the run that resumes
		}
		done[row.CustomID] = true
	}
	return done, sc.Err()
}

// readJournal checks the header and returns the rows sent, in order, each
// once. A torn last line (a crash mid-write) is ignored.
func readJournal(data []byte, path, input string) ([]string, error) {
	var sent []string
	seen := map[string]bool{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l journalLine
		if err := json.Unmarshal(line, &l); err != nil {
			continue // torn by a crash
		}
		if i == 0 {
			if l.Version != journalVersion {
				return nil, fmt.Errorf("%s is not a tier batch journal: remove it to start over", path)
			}
			if l.Input != input {
				return nil, fmt.Errorf("%s belongs to another input or other options: run the same command to resume it, or remove the output and its journal to start over", path)
			}
			continue
		}
		if l.Sent != "" && !seen[l.Sent] {
			seen[l.Sent] = true
			sent = append(sent, l.Sent)
		}
	}
	return sent, nil
}

// recover reads the output's finished rows and cuts a torn last line.
func (o *Output) recover() error {
	if _, err := o.out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(o.out, 64<<10)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if err == nil {
			var row OutputRow
			if json.Unmarshal(line, &row) != nil || row.CustomID == "" {
				break
			}
			o.done[row.CustomID] = true
			o.n++
			good += int64(len(line))
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		return err
	}
	if err := o.out.Truncate(good); err != nil {
		return err
	}
	_, err := o.out.Seek(good, io.SeekStart)
	return err
}

// Done says whether the row of custom id id is already in the output.
func (o *Output) Done(id string) bool { return o.done[id] }

// Written is how many rows the output holds.
func (o *Output) Written() int { return o.n }

// Sent notes in the journal that row is about to be sent.
func (o *Output) Sent(row Row) error { return o.append(journalLine{Sent: row.CustomID}) }

// Write appends the row's result to the output, then notes it done.
func (o *Output) Write(r OutputRow) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := o.out.Write(append(b, '\n')); err != nil {
		return err
	}
	o.done[r.CustomID] = true
	o.n++
	return o.append(journalLine{Done: r.CustomID})
}

func (o *Output) append(l journalLine) error {
	b, _ := json.Marshal(l)
	_, err := o.journal.Write(append(b, '\n'))
	return err
}

// Close closes the output and the journal.
func (o *Output) Close() error {
	err := o.out.Close()
	if o.journal != nil {
		if jerr := o.journal.Close(); err == nil {
			err = jerr
		}
	}
	return err
}

// Unfinished is rows less those the output at path already holds for the
// run whose input hash is input (Finished).
func Unfinished(path, input string, rows []Row) ([]Row, error) {
	done, err := Finished(path, input)
	if err != nil {
		return nil, err
	}
	var todo []Row
	for _, r := range rows {
		if !done[r.CustomID] {
			todo = append(todo, r)
		}
	}
	return todo, nil
}
