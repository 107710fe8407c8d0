package store

import (
	"encoding/binary"
	"fmt"
	"math"
)

// decoder reads the binary state files (the ledger, the snapshots): b from
// offset at, remembering the first error; every read after an error returns
// zero values. (It moves an offset rather than reslicing b: storing a slice
// on every read costs a GC write barrier.)
type decoder struct {
	b       []byte
	at      int
	err     error
	invalid error // what every error wraps, e.g. errLedgerCorrupt
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", d.invalid, what)
	}
	d.at = len(d.b)
}

func (d *decoder) left() int { return len(d.b) - d.at }

func (d *decoder) uvarint() uint64 {
	v, at := uvarintAt(d.b, d.at)
	if at < 0 {
		d.fail("bad number")
		return 0
	}
	d.at = at
	return v
}

// uvarintAt reads the uvarint at b[at:] and returns it and the offset after
// it, or -1 for a bad number. It is small enough to be inlined into a
// decoding loop, which matters: the ledger has hundreds of thousands.
func uvarintAt(b []byte, at int) (uint64, int) {
	if at < len(b) && b[at] < 0x80 { // one byte: most numbers are small
		return uint64(b[at]), at + 1
	}
	return uvarintLong(b, at)
}

func uvarintLong(b []byte, at int) (uint64, int) {
	if at < 0 || at > len(b) {
		return 0, -1
	}
	v, n := binary.Uvarint(b[at:])
	if n <= 0 {
		return 0, -1
	}
	return v, at + n
}

// varint reads a zig-zag varint.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// int63 reads a uvarint that must fit an int64.
func (d *decoder) int63() int64 {
	v := d.uvarint()
	if v > math.MaxInt64 {
		d.fail("number too large")
		return 0
	}
	return int64(v)
}

// count reads a number of items each taking at least min bytes, so that a
// damaged count cannot make the decoder allocate more than the file holds.
func (d *decoder) count(min int) int {
	v := d.uvarint()
	if v > uint64(d.left()/min) {
		d.fail("count larger than the file")
		return 0
	}
	return int(v)
}
