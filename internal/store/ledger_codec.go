package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// The ledger file ("ledger.bin") is binary, not JSON: at full size
// encoding/json needed ~40 ms to decode it, this ~1 ms. Layout:
//
//	magic   "tier-ledger\n"
//	uvarint format version (1)
//	uvarint number of series, then per series (sorted by provider, key, model):
//	  string provider, string key, string model   (uvarint length + UTF-8 bytes)
//	  buckets minutes, buckets days
//	crc32   IEEE checksum of everything before it, 4 bytes big-endian
//
// buckets is a uvarint count, then per bucket the start (the first as a
// zig-zag varint, the next ones as a uvarint step of at least 1 from the
// previous start) and three uvarints: requests, prompt tokens, completion
// tokens.
const ledgerMagic = "tier-ledger\n"

const ledgerVersion = 1

func (*ledgerState) fileExt() string { return ".bin" }

func (st *ledgerState) marshalState() ([]byte, error) {
	size := len(ledgerMagic) + 16
	for _, ser := range st.Series {
		size += len(ser.Provider) + len(ser.Key) + len(ser.Model) + 16 + 8*(len(ser.Minutes)+len(ser.Days))
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
		b = appendBuckets(b, ser.Minutes)
		b = appendBuckets(b, ser.Days)
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

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

func (st *ledgerState) unmarshalState(data []byte) error {
	if len(data) < len(ledgerMagic)+4 || string(data[:len(ledgerMagic)]) != ledgerMagic {
		return errLedgerCorrupt
	}
	d := &ledgerDecoder{b: data[len(ledgerMagic) : len(data)-4]}
	version := d.uvarint()
	if d.err == nil && version > ledgerVersion {
		return formatError{version}
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(data[len(data)-4:]) {
		return fmt.Errorf("%w: checksum mismatch", errLedgerCorrupt)
	}
	n := d.count(5) // three string lengths and two bucket counts
	st.Series = make([]ledgerSeries, 0, n)
	for range n {
		ser := ledgerSeries{Provider: d.str(), Key: d.str(), Model: d.str()}
		ser.Minutes = d.buckets()
		ser.Days = d.buckets()
		if d.err == nil && len(st.Series) > 0 && compareSeriesID(st.Series[len(st.Series)-1], ser) >= 0 {
			d.fail("series out of order")
		}
		st.Series = append(st.Series, ser)
	}
	if d.err == nil && d.left() != 0 {
		d.fail("trailing bytes")
	}
	return d.err
}

// ledgerDecoder reads b from offset at, remembering the first error; every
// read after an error returns zero values. (It moves an offset rather than
// reslicing b: storing a slice on every read costs a GC write barrier.)
type ledgerDecoder struct {
	b   []byte
	at  int
	err error
}

func (d *ledgerDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", errLedgerCorrupt, what)
	}
	d.at = len(d.b)
}

func (d *ledgerDecoder) left() int { return len(d.b) - d.at }

func (d *ledgerDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.at:])
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.at += n
	return v
}

// int63 reads a uvarint that must fit an int64.
func (d *ledgerDecoder) int63() int64 {
	v := d.uvarint()
	if v > math.MaxInt64 {
		d.fail("number too large")
		return 0
	}
	return int64(v)
}

// count reads a number of items each taking at least min bytes, so that a
// damaged count cannot make the decoder allocate more than the file holds.
func (d *ledgerDecoder) count(min int) int {
	v := d.uvarint()
	if v > uint64(d.left()/min) {
		d.fail("count larger than the file")
		return 0
	}
	return int(v)
}

func (d *ledgerDecoder) str() string {
	n := d.count(1)
	s := string(d.b[d.at : d.at+n])
	d.at += n
	return s
}

func (d *ledgerDecoder) buckets() []bucket {
	n := d.count(4)
	if d.err != nil || n == 0 {
		return nil
	}
	bs := make([]bucket, n)
	v, k := binary.Varint(d.b[d.at:])
	if k <= 0 {
		d.fail("bad number")
		return nil
	}
	d.at += k
	bs[0][0] = v
	for i := range bs {
		if i > 0 {
			step := d.int63()
			if step < 1 || bs[i-1][0] > math.MaxInt64-step {
				d.fail("buckets out of order")
				return nil
			}
			bs[i][0] = bs[i-1][0] + step
		}
		bs[i][1], bs[i][2], bs[i][3] = d.int63(), d.int63(), d.int63()
	}
	if d.err != nil {
		return nil
	}
	return bs
}
