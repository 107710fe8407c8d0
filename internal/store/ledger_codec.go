package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"time"
)

// The ledger file ("ledger.bin") is binary, not JSON: at full size
// encoding/json needed ~40 ms to decode it. Layout:
//
//	magic   "tier-ledger\n"
//	uvarint format version (2)
//	uvarint number of series, then per series (sorted by provider, key, model):
//	  string provider, string key, string model   (uvarint length + UTF-8 bytes)
//	  list minutes, list hours, list days
//	crc32   IEEE checksum of everything before it, 4 bytes big-endian
//
// A list is a uvarint byte length of what follows, a uvarint count of
// buckets, then per bucket the start (the first as a zig-zag varint, the
// next ones as a uvarint step of at least 1 from the previous start) and
// three uvarints: requests, prompt tokens, completion tokens. The byte
// length lets a reader skip a list: UsageSince decodes only the lists it
// sums (see ledgerView), which for `tier quota` is a few dozen of the
// hundreds a full ledger holds.
//
// Format 1 (tier before hour buckets) had two lists per series, minutes (48 h
// of them) and days, with no byte lengths. It is still read: its minute
// buckets are added up into hour buckets, and only the last 2 h of them are
// kept as minutes; the next write stores format 2.
const ledgerMagic = "tier-ledger\n"

const ledgerVersion = 2

// The lists of a series, in file order.
const (
	listMinutes = iota
	listHours
	listDays
	numLists
)

func (ser *ledgerSeries) lists() [numLists]*[]bucket {
	return [numLists]*[]bucket{&ser.Minutes, &ser.Hours, &ser.Days}
}

func (*ledgerState) fileExt() string { return ".bin" }

func (st *ledgerState) marshalState() ([]byte, error) {
	size := len(ledgerMagic) + 16
	for _, ser := range st.Series {
		size += len(ser.Provider) + len(ser.Key) + len(ser.Model) + 24 + 8*(len(ser.Minutes)+len(ser.Hours)+len(ser.Days))
	}
	b := make([]byte, 0, size)
	b = append(b, ledgerMagic...)
	b = binary.AppendUvarint(b, ledgerVersion)
	b = binary.AppendUvarint(b, uint64(len(st.Series)))
	for _, ser := range st.Series {
		for _, str := range []string{ser.Provider, ser.Key, ser.Model} {
			b = binary.AppendUvarint(b, uint64(len(str)))
			b = append(b, str...)
		}
		for _, bs := range ser.lists() {
			b = appendList(b, *bs)
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// appendList appends the byte length of bs's buckets, then the buckets.
func appendList(b []byte, bs []bucket) []byte {
	start := len(b)
	b = appendBuckets(b, bs)
	var size [binary.MaxVarintLen64]byte
	prefix := binary.PutUvarint(size[:], uint64(len(b)-start))
	b = append(b, size[:prefix]...)
	copy(b[start+prefix:], b[start:len(b)-prefix])
	copy(b[start:], size[:prefix])
	return b
}

// appendBuckets appends the count of bs, then the buckets.
func appendBuckets(b []byte, bs []bucket) []byte {
	b = binary.AppendUvarint(b, uint64(len(bs)))
	for i, bk := range bs {
		if i == 0 {
			b = binary.AppendVarint(b, bk[0])
		} else {
			b = binary.AppendUvarint(b, uint64(bk[0]-bs[i-1][0]))
		}
		b = binary.AppendUvarint(b, uint64(bk[1]))
		b = binary.AppendUvarint(b, uint64(bk[2]))
		b = binary.AppendUvarint(b, uint64(bk[3]))
	}
	return b
}

var errLedgerCorrupt = errors.New("not a valid tier ledger")

func ledgerError(what string) error { return fmt.Errorf("%w: %s", errLedgerCorrupt, what) }

// ledgerFileSeries is one series of a ledger file, its lists still encoded
// (each a count, then the buckets).
type ledgerFileSeries struct {
	Provider, Key, Model string
	lists                [numLists][]byte
}

// parseLedger checks data's magic, version and checksum and splits it into
// its series, leaving their buckets encoded. Format 1 data is decoded whole,
// converted and encoded again.
func parseLedger(data []byte) ([]ledgerFileSeries, error) {
	if len(data) < len(ledgerMagic)+4 || string(data[:len(ledgerMagic)]) != ledgerMagic {
		return nil, errLedgerCorrupt
	}
	d := &decoder{b: data[len(ledgerMagic) : len(data)-4], invalid: errLedgerCorrupt}
	version := d.uvarint()
	if d.err == nil && version > ledgerVersion {
		return nil, formatError{version}
	}
	if crc32.ChecksumIEEE(data[:len(data)-4]) != binary.BigEndian.Uint32(data[len(data)-4:]) {
		return nil, ledgerError("checksum mismatch")
	}
	switch {
	case d.err != nil:
		return nil, d.err
	case version == 0:
		return nil, ledgerError("format 0")
	case version == 1:
		st, err := decodeFormat1(d)
		if err != nil {
			return nil, err
		}
		again, _ := st.marshalState()
		return parseLedger(again)
	}
	n := d.count(3 + numLists) // three string lengths and the list lengths
	series := make([]ledgerFileSeries, 0, n)
	for range n {
		var prev ledgerFileSeries // names repeat from one series to the next: share the strings
		if k := len(series); k > 0 {
			prev = series[k-1]
		}
		ser := ledgerFileSeries{Provider: d.name(prev.Provider), Key: d.name(prev.Key), Model: d.name(prev.Model)}
		if d.err == nil && len(series) > 0 && compareID(prev.Provider, prev.Key, prev.Model, ser.Provider, ser.Key, ser.Model) >= 0 {
			d.fail("series out of order")
		}
		for k := range ser.lists {
			size := d.count(1)
			if d.err == nil && size == 0 {
				d.fail("empty list")
			}
			ser.lists[k] = d.b[d.at : d.at+size : d.at+size]
			d.at += size
		}
		series = append(series, ser)
	}
	if d.err == nil && d.left() != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return series, nil
}

func (st *ledgerState) unmarshalState(data []byte) error {
	series, err := parseLedger(data)
	if err != nil {
		return err
	}
	st.Series = make([]ledgerSeries, len(series))
	for i, fs := range series {
		ser := &st.Series[i]
		ser.Provider, ser.Key, ser.Model = fs.Provider, fs.Key, fs.Model
		for k, bs := range ser.lists() {
			if *bs, err = decodeList(fs.lists[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeList decodes an encoded list (a count, then the buckets).
func decodeList(list []byte) ([]bucket, error) {
	r := newBucketReader(list, 0)
	var bs []bucket
	if r.left > 0 {
		bs = make([]bucket, 0, r.left)
	}
	for {
		bk, ok := r.next()
		if !ok {
			break
		}
		bs = append(bs, bk)
	}
	if r.err == nil && r.at != len(list) {
		r.err = ledgerError("trailing bytes in a list")
	}
	return bs, r.err
}

// decodeFormat1 decodes what follows the version in a format 1 file.
func decodeFormat1(d *decoder) (*ledgerState, error) {
	st := &ledgerState{}
	n := d.count(5) // three string lengths and two bucket counts
	st.Series = make([]ledgerSeries, 0, n)
	for range n {
		ser := ledgerSeries{Provider: d.name(""), Key: d.name(""), Model: d.name("")}
		ser.Minutes = d.format1Buckets()
		ser.Days = d.format1Buckets()
		if d.err == nil && len(st.Series) > 0 && compareSeriesID(st.Series[len(st.Series)-1], ser) >= 0 {
			d.fail("series out of order")
		}
		st.Series = append(st.Series, ser)
	}
	if d.err == nil && d.left() != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	st.fromFormat1()
	return st, nil
}

// format1Buckets reads a count and the buckets (a format 1 list).
func (d *decoder) format1Buckets() []bucket {
	if d.err != nil {
		return nil
	}
	r := newBucketReader(d.b, d.at)
	var bs []bucket
	if r.left > 0 {
		bs = make([]bucket, 0, r.left)
	}
	for {
		bk, ok := r.next()
		if !ok {
			break
		}
		bs = append(bs, bk)
	}
	if r.err != nil {
		d.err, d.at = r.err, len(d.b)
		return nil
	}
	d.at = r.at
	return bs
}

// fromFormat1 turns a format 1 ledger, which had minute buckets for 48 h and
// no hour buckets, into the current resolutions: every minute bucket is
// added into its hour bucket, and minute buckets are kept for the last 2 h,
// counted from the latest minute in the file, as the last write would have
// pruned them.
func (st *ledgerState) fromFormat1() {
	last, found := int64(math.MinInt64), false
	for _, ser := range st.Series {
		if n := len(ser.Minutes); n > 0 && ser.Minutes[n-1][0] >= last {
			last, found = ser.Minutes[n-1][0], true
		}
	}
	if !found {
		return
	}
	for i := range st.Series {
		ser := &st.Series[i]
		for _, m := range ser.Minutes {
			h := m
			h[0] = floorDiv(m[0], 60)
			if n := len(ser.Hours); n > 0 && ser.Hours[n-1][0] == h[0] {
				ser.Hours[n-1].add(h)
			} else {
				ser.Hours = append(ser.Hours, h)
			}
		}
	}
	if last >= math.MinInt64+int64(MinuteRetention/time.Minute) { // else no retention bound can be computed: keep all
		st.prune(last)
	}
}

// name reads a string; one equal to prev is prev itself, not a copy.
func (d *decoder) name(prev string) string {
	n := d.count(1)
	b := d.b[d.at : d.at+n]
	d.at += n
	if string(b) == prev {
		return prev
	}
	return string(b)
}

// bucketReader decodes a list of buckets: a uvarint count, then the buckets.
type bucketReader struct {
	b    []byte
	at   int
	left int   // buckets not read yet
	read int   // buckets read
	prev int64 // start of the last bucket read
	err  error
}

func newBucketReader(b []byte, at int) bucketReader {
	n, next := uvarintAt(b, at)
	switch {
	case next < 0:
		return bucketReader{err: ledgerError("bad number")}
	case n > uint64((len(b)-next)/4): // a bucket takes at least 4 bytes
		return bucketReader{err: ledgerError("count larger than the file")}
	}
	return bucketReader{b: b, at: next, left: int(n)}
}

// next returns the next bucket, or false at the end of the list or at an
// error (then in r.err). It reads its numbers itself, without a call for
// each: a full ledger holds hundreds of thousands.
func (r *bucketReader) next() (bucket, bool) {
	if r.left == 0 || r.err != nil {
		return bucket{}, false
	}
	b, at := r.b, r.at
	var v [4]uint64 // start (zig-zag) or step from the previous start, requests, prompt, completion
	for k := range v {
		if at < len(b) && b[at] < 0x80 { // one byte: most numbers are small
			v[k] = uint64(b[at])
			at++
		} else if v[k], at = uvarintLong(b, at); at < 0 {
			r.err = ledgerError("bad number")
			return bucket{}, false
		}
	}
	if (v[1]|v[2]|v[3])>>63 != 0 {
		r.err = ledgerError("number too large")
		return bucket{}, false
	}
	var start int64
	if r.read == 0 {
		start = int64(v[0] >> 1)
		if v[0]&1 != 0 {
			start = ^start
		}
	} else {
		if v[0] < 1 || v[0] > math.MaxInt64 || r.prev > math.MaxInt64-int64(v[0]) {
			r.err = ledgerError("buckets out of order")
			return bucket{}, false
		}
		start = r.prev + int64(v[0])
	}
	r.at, r.prev = at, start
	r.read++
	r.left--
	return bucket{start, int64(v[1]), int64(v[2]), int64(v[3])}, true
}
