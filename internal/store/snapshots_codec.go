package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// The snapshots file ("snapshots.bin") is binary, not JSON: `tier quota`
// reads every snapshot, and for a full store (16 providers x 3 keys x 5
// models) encoding/json took ~3 ms, this ~0.15 ms. Layout:
//
//	magic   "tier-snapshots\n"
//	uvarint format version (3; 2 when nothing needs format 3, see needsFormat3)
//	uvarint number of strings, then the length of each (uvarint), then
//	        their bytes, one after the other
//	uvarint number of snapshots
//	uvarint number of windows, all snapshots together
//	then per snapshot (sorted by provider, key, model, no duplicates):
//	  str provider, str key, str model
//	  time observed_at
//	  byte  flags: 1 retry_after_s, 2 credit, 4 budget
//	  [float retry_after_s]
//	  uvarint number of windows, then per window:
//	    str metric, str period, str source
//	    byte flags: 1 limit, 2 remaining, 4 reset_at, 8 observed_at, 16 learned_at
//	    [varint limit] [varint remaining] [time reset_at] [time observed_at]
//	    [time learned_at]
//	  [credit: byte flags: 1 remaining, 2 granted, 4 expires_at,
//	   8 granted_remaining, 16 topped_up_remaining;
//	   str unit, str source, [float remaining] [float granted] [time expires_at]
//	   [float granted_remaining] [float topped_up_remaining]]
//	  [budget: byte flags: 1 limit, 2 remaining, 4 used, 8 reset_at;
//	   str unit, str period, str source, [float limit] [float remaining]
//	   [float used] [time reset_at]]
//	  (flags 8 and 16 of a window, 8 and 16 of a credit and the budget are
//	  format 3 only)
//	crc32   IEEE checksum of everything before it, 4 bytes big-endian
//
// str is a uvarint index into the strings (each distinct string is stored
// once: metric, period and source names repeat in every snapshot); time is
// a zig-zag varint of Unix seconds and a uvarint of nanoseconds, in UTC;
// float is a finite IEEE 754 float64, 8 bytes little-endian; varint is
// zig-zag.
// A flag bit that is not listed makes the file unreadable.
//
// Format 1 was "snapshots.json" (encoding/json of snapshotsJSON). It is still
// read while snapshots.bin does not exist; the next write stores format 2
// and removes it.
const snapshotsMagic = "tier-snapshots\n"

const snapshotsVersion = 3

// snapshotsVersionNoWindowTimes is the format written when no window has
// its own observed_at: format 2, which older tiers read too.
const snapshotsVersionNoWindowTimes = 2

const (
	snapRetryAfter = 1 << iota
	snapCredit
	snapBudget
)

const (
	winLimit = 1 << iota
	winRemaining
	winResetAt
	winObservedAt // format 3
	winLearnedAt  // format 3
)

const (
	creditRemaining = 1 << iota
	creditGranted
	creditExpiresAt
	creditGrantedRemaining
	creditToppedUpRemaining
)

const (
	budgetLimit = 1 << iota
	budgetRemaining
	budgetUsed
	budgetResetAt
)

// snapshotsJSON is format 1.
type snapshotsJSON struct {
	Version   int              `json:"version"`
	Snapshots []quota.Snapshot `json:"snapshots"`
}

func (*snapshotsState) fileExt() string   { return ".bin" }
func (*snapshotsState) legacyExt() string { return ".json" }

func (st *snapshotsState) unmarshalLegacy(data []byte) error {
	var old snapshotsJSON
	if err := json.Unmarshal(data, &old); err != nil {
		return err
	}
	if old.Version > 1 {
		return formatError{uint64(old.Version)}
	}
	// The file may have been edited by hand: sort it, and merge entries of
	// the same provider/key/model as SaveSnapshot would have.
	slices.SortStableFunc(old.Snapshots, compareSnapshotID)
	out := old.Snapshots[:0]
	for _, sn := range old.Snapshots {
		if n := len(out); n > 0 && compareSnapshotID(out[n-1], sn) == 0 {
			out[n-1] = mergeSnapshots(out[n-1], sn)
			continue
		}
		out = append(out, sn)
	}
	st.Snapshots = out
	return nil
}

type snapshotsEncoder struct {
	b         []byte
	index     map[string]uint64
	strings   []string
	nonFinite bool // a float was NaN or infinite
}

func (st *snapshotsState) marshalState() ([]byte, error) {
	// The body first, with the strings as indexes, then the header with the
	// string table in front of it.
	e := &snapshotsEncoder{index: map[string]uint64{}}
	windows := 0
	version := uint64(snapshotsVersionNoWindowTimes)
	for _, sn := range st.Snapshots {
		windows += len(sn.Windows)
		if needsFormat3(sn) {
			version = snapshotsVersion
		}
	}
	e.b = make([]byte, 0, 32*len(st.Snapshots)+24*windows)
	for i, sn := range st.Snapshots {
		if i > 0 && compareSnapshotID(st.Snapshots[i-1], sn) >= 0 {
			return nil, fmt.Errorf("cannot save snapshot %s/%s/%s: it is out of order: this is a bug in tier, please report it", sn.Provider, sn.Key, sn.Model)
		}
		e.str(sn.Provider)
		e.str(sn.Key)
		e.str(sn.Model)
		e.time(sn.ObservedAt)
		var flags byte
		if sn.RetryAfterS != nil {
			flags |= snapRetryAfter
		}
		if sn.Credit != nil {
			flags |= snapCredit
		}
		if sn.Budget != nil {
			flags |= snapBudget
		}
		e.b = append(e.b, flags)
		if sn.RetryAfterS != nil {
			e.float(*sn.RetryAfterS)
		}
		e.b = binary.AppendUvarint(e.b, uint64(len(sn.Windows)))
		for _, w := range sn.Windows {
			e.str(w.Metric)
			e.str(w.Period)
			e.str(w.Source)
			var flags byte
			if w.Limit != nil {
				flags |= winLimit
			}
			if w.Remaining != nil {
				flags |= winRemaining
			}
			if w.ResetAt != nil {
				flags |= winResetAt
			}
			if w.ObservedAt != nil {
				flags |= winObservedAt
			}
			if w.LearnedAt != nil {
				flags |= winLearnedAt
			}
			e.b = append(e.b, flags)
			if w.Limit != nil {
				e.b = binary.AppendVarint(e.b, *w.Limit)
			}
			if w.Remaining != nil {
				e.b = binary.AppendVarint(e.b, *w.Remaining)
			}
			if w.ResetAt != nil {
				e.time(*w.ResetAt)
			}
			if w.ObservedAt != nil {
				e.time(*w.ObservedAt)
			}
			if w.LearnedAt != nil {
				e.time(*w.LearnedAt)
			}
		}
		if c := sn.Credit; c != nil {
			var flags byte
			if c.Remaining != nil {
				flags |= creditRemaining
			}
			if c.Granted != nil {
				flags |= creditGranted
			}
			if c.ExpiresAt != nil {
				flags |= creditExpiresAt
			}
			if c.GrantedRemaining != nil {
				flags |= creditGrantedRemaining
			}
			if c.ToppedUpRemaining != nil {
				flags |= creditToppedUpRemaining
			}
			e.b = append(e.b, flags)
			e.str(c.Unit)
			e.str(c.Source)
			if c.Remaining != nil {
				e.float(*c.Remaining)
			}
			if c.Granted != nil {
				e.float(*c.Granted)
			}
			if c.ExpiresAt != nil {
				e.time(*c.ExpiresAt)
			}
			if c.GrantedRemaining != nil {
				e.float(*c.GrantedRemaining)
			}
			if c.ToppedUpRemaining != nil {
				e.float(*c.ToppedUpRemaining)
			}
		}
		if b := sn.Budget; b != nil {
			var flags byte
			for bit, set := range map[byte]bool{budgetLimit: b.Limit != nil, budgetRemaining: b.Remaining != nil,
				budgetUsed: b.Used != nil, budgetResetAt: b.ResetAt != nil} {
				if set {
					flags |= bit
				}
			}
			e.b = append(e.b, flags)
			e.str(b.Unit)
			e.str(b.Period)
			e.str(b.Source)
			for _, f := range []*float64{b.Limit, b.Remaining, b.Used} {
				if f != nil {
					e.float(*f)
				}
			}
			if b.ResetAt != nil {
				e.time(*b.ResetAt)
			}
		}
		if e.nonFinite { // JSON cannot carry it (quota --json), nor could format 1
			return nil, fmt.Errorf("cannot save snapshot %s/%s/%s: a figure is not a finite number: this is a bug in tier, please report it", sn.Provider, sn.Key, sn.Model)
		}
	}
	size := len(snapshotsMagic) + 32 + len(e.b)
	for _, s := range e.strings {
		size += len(s) + 2
	}
	b := make([]byte, 0, size)
	b = append(b, snapshotsMagic...)
	b = binary.AppendUvarint(b, version)
	b = binary.AppendUvarint(b, uint64(len(e.strings)))
	for _, s := range e.strings {
		b = binary.AppendUvarint(b, uint64(len(s)))
	}
	for _, s := range e.strings {
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(st.Snapshots)))
	b = binary.AppendUvarint(b, uint64(windows))
	b = append(b, e.b...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

func (e *snapshotsEncoder) str(s string) {
	i, ok := e.index[s]
	if !ok {
		i = uint64(len(e.strings))
		e.index[s] = i
		e.strings = append(e.strings, s)
	}
	e.b = binary.AppendUvarint(e.b, i)
}

func (e *snapshotsEncoder) time(t time.Time) {
	e.b = binary.AppendVarint(e.b, t.Unix())
	e.b = binary.AppendUvarint(e.b, uint64(t.Nanosecond()))
}

func (e *snapshotsEncoder) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.nonFinite = true
	}
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f))
}

var errSnapshotsCorrupt = errors.New("not a valid tier snapshots file")

// snapshotsDecoder reads a snapshots file. Every pointer a snapshot holds points
// into one of a few arrays allocated for the whole file, so that decoding
// takes a handful of allocations, not several per window.
type snapshotsDecoder struct {
	decoder
	strings []string
	ints    []int64
	floats  []float64
	times   []time.Time
}

func (st *snapshotsState) unmarshalState(data []byte) error {
	if len(data) < len(snapshotsMagic)+4 || string(data[:len(snapshotsMagic)]) != snapshotsMagic {
		return errSnapshotsCorrupt
	}
	d := &snapshotsDecoder{decoder: decoder{b: data[len(snapshotsMagic) : len(data)-4], invalid: errSnapshotsCorrupt}}
	version := d.uvarint()
	if d.err == nil && version > snapshotsVersion {
		return formatError{version}
	}
	if crc32.ChecksumIEEE(data[:len(data)-4]) != binary.BigEndian.Uint32(data[len(data)-4:]) {
		return fmt.Errorf("%w: checksum mismatch", errSnapshotsCorrupt)
	}
	if d.err == nil && version != snapshotsVersion && version != snapshotsVersionNoWindowTimes {
		d.fail(fmt.Sprintf("format %d in a binary file", version))
	}
	winFlags := byte(winLimit | winRemaining | winResetAt)
	snapFlags := byte(snapRetryAfter | snapCredit)
	creditFlags := byte(creditRemaining | creditGranted | creditExpiresAt)
	if version >= snapshotsVersion {
		winFlags |= winObservedAt | winLearnedAt
		snapFlags |= snapBudget
		creditFlags |= creditGrantedRemaining | creditToppedUpRemaining
	}
	d.readStrings()
	n := d.count(7)  // three strings, a time, flags, a window count
	nw := d.count(4) // three strings, flags
	snaps := make([]quota.Snapshot, n)
	windows := make([]quota.Window, nw)
	d.ints = make([]int64, 0, 2*nw)
	d.times = make([]time.Time, 0, 2*nw+n)
	d.floats = make([]float64, 0, 3*n)
	var credits []quota.Credit // allocated at the first credit
	for i := range snaps {
		sn := &snaps[i]
		sn.Provider, sn.Key, sn.Model = d.str(), d.str(), d.str()
		if d.err == nil && i > 0 && compareSnapshotID(snaps[i-1], *sn) >= 0 {
			d.fail("snapshots out of order")
		}
		sn.ObservedAt = d.time()
		flags := d.flags(snapFlags)
		if flags&snapRetryAfter != 0 {
			sn.RetryAfterS = d.float()
		}
		k := d.count(4)
		if k > len(windows) {
			d.fail("more windows than counted")
			k = 0
		}
		sn.Windows, windows = windows[:k:k], windows[k:]
		for j := range sn.Windows {
			w := &sn.Windows[j]
			w.Metric, w.Period, w.Source = d.str(), d.str(), d.str()
			flags := d.flags(winFlags)
			if flags&winLimit != 0 {
				w.Limit = d.int()
			}
			if flags&winRemaining != 0 {
				w.Remaining = d.int()
			}
			if flags&winResetAt != 0 {
				w.ResetAt = d.timePtr()
			}
			if flags&winObservedAt != 0 {
				w.ObservedAt = d.timePtr()
			}
			if flags&winLearnedAt != 0 {
				w.LearnedAt = d.timePtr()
			}
		}
		if flags&snapCredit != 0 {
			if len(credits) == 0 {
				credits = make([]quota.Credit, n-i)
			}
			c := &credits[0]
			credits = credits[1:]
			flags := d.flags(creditFlags)
			c.Unit, c.Source = d.str(), d.str()
			if flags&creditRemaining != 0 {
				c.Remaining = d.float()
			}
			if flags&creditGranted != 0 {
				c.Granted = d.float()
			}
			if flags&creditExpiresAt != 0 {
				c.ExpiresAt = d.timePtr()
			}
			if flags&creditGrantedRemaining != 0 {
				c.GrantedRemaining = d.float()
			}
			if flags&creditToppedUpRemaining != 0 {
				c.ToppedUpRemaining = d.float()
			}
			sn.Credit = c
		}
		if flags&snapBudget != 0 {
			b := new(quota.Budget)
			flags := d.flags(budgetLimit | budgetRemaining | budgetUsed | budgetResetAt)
			b.Unit, b.Period, b.Source = d.str(), d.str(), d.str()
			if flags&budgetLimit != 0 {
				b.Limit = d.float()
			}
			if flags&budgetRemaining != 0 {
				b.Remaining = d.float()
			}
			if flags&budgetUsed != 0 {
				b.Used = d.float()
			}
			if flags&budgetResetAt != 0 {
				b.ResetAt = d.timePtr()
			}
			sn.Budget = b
		}
		if d.err != nil {
			break
		}
	}
	if d.err == nil && len(windows) != 0 {
		d.fail("fewer windows than counted")
	}
	if d.err == nil && d.left() != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return d.err
	}
	st.Snapshots = snaps
	return nil
}

// readStrings reads the string table into one string and slices of it.
func (d *snapshotsDecoder) readStrings() {
	n := d.count(1)
	d.strings = make([]string, n)
	lens := make([]int, n)
	total := 0
	for i := range lens {
		lens[i] = d.count(1)
		total += lens[i]
		if total > d.left() {
			d.fail("strings longer than the file")
			return
		}
	}
	all := string(d.b[d.at : d.at+total])
	d.at += total
	for i, l := range lens {
		d.strings[i], all = all[:l], all[l:]
	}
}

func (d *snapshotsDecoder) str() string {
	i := d.uvarint()
	if i >= uint64(len(d.strings)) {
		d.fail("string index out of range")
		return ""
	}
	return d.strings[i]
}

// flags reads a flag byte with no bits but those of valid.
func (d *snapshotsDecoder) flags(valid byte) byte {
	if d.left() < 1 {
		d.fail("file too short")
		return 0
	}
	f := d.b[d.at]
	d.at++
	if f&^valid != 0 {
		d.fail("unknown flags")
		return 0
	}
	return f
}

func (d *snapshotsDecoder) int() *int64 {
	d.ints = append(d.ints, d.varint())
	return &d.ints[len(d.ints)-1]
}

func (d *snapshotsDecoder) float() *float64 {
	if d.left() < 8 {
		d.fail("file too short")
		return nil
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.at:]))
	if math.IsNaN(f) || math.IsInf(f, 0) {
		d.fail("not a finite number")
		return nil
	}
	d.floats = append(d.floats, f)
	d.at += 8
	return &d.floats[len(d.floats)-1]
}

func (d *snapshotsDecoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail("bad time")
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *snapshotsDecoder) timePtr() *time.Time {
	d.times = append(d.times, d.time())
	return &d.times[len(d.times)-1]
}

// needsFormat3 says whether sn has anything format 2 cannot hold: a
// window's own observed_at or learned_at, a budget, or a credit's parts.
func needsFormat3(sn quota.Snapshot) bool {
	if sn.Budget != nil {
		return true
	}
	if c := sn.Credit; c != nil && (c.GrantedRemaining != nil || c.ToppedUpRemaining != nil) {
		return true
	}
	return slices.ContainsFunc(sn.Windows, func(w quota.Window) bool { return w.ObservedAt != nil || w.LearnedAt != nil })
}
