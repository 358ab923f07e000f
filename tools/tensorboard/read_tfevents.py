#!/usr/bin/python3
"""Reads TensorBoard event files without TensorFlow: an independent check of dlrm train's writer.

Every record is TFRecord framing: uint64 length, uint32 masked CRC-32C of the length bytes,
the data, uint32 masked CRC-32C of the data (little-endian; mask = rotate right 15, plus
0xA282EAD8). Both CRCs are checked (a mismatch is an error naming the file and record).
Each data is decoded as tensorflow's Event proto by a small wire-format reader: wall_time
(1, double), step (2, int64), file_version (3, string), summary (5) with repeated value
(1) of tag (1, string) and simple_value (2, float).

usage: read_tfevents.py FILE_OR_DIR   prints a JSON list of the events of every
       events.out.tfevents.* file (a directory: its files in name order).
"""
import json, os, struct, sys

def crc32c(data):
    """CRC-32C, bit by bit (Castagnoli, reflected 0x82F63B78)."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF

def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]; i += 1
        value |= (b & 0x7F) << shift; shift += 7
        if not b & 0x80:
            return value, i

def fields(buf):
    """(field number, wire type, value) of every field of one message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 1:
            v = buf[i:i + 8]; i += 8
        elif wire == 2:
            n, i = varint(buf, i); v = buf[i:i + n]; i += n
        elif wire == 5:
            v = buf[i:i + 4]; i += 4
        else:
            raise ValueError(f'wire type {wire} of field {num} is not supported')
        yield num, wire, v

def event(buf):
    e = {'wall_time': None, 'step': 0, 'values': []}
    for num, wire, v in fields(buf):
        if num == 1 and wire == 1:
            e['wall_time'] = struct.unpack('<d', v)[0]
        elif num == 2 and wire == 0:
            e['step'] = v if v < 2 ** 63 else v - 2 ** 64
        elif num == 3 and wire == 2:
            e['file_version'] = v.decode('utf-8')
        elif num == 5 and wire == 2:
            for snum, swire, sv in fields(v):
                if snum == 1 and swire == 2:
                    val = {}
                    for vnum, vwire, vv in fields(sv):
                        if vnum == 1 and vwire == 2:
                            val['tag'] = vv.decode('utf-8')
                        elif vnum == 2 and vwire == 5:
                            val['simple_value'] = struct.unpack('<f', vv)[0]
                    e['values'].append(val)
    return e

def read(path):
    data = open(path, 'rb').read()
    out, i, n = [], 0, 0
    while i < len(data):
        if len(data) - i < 12:
            raise ValueError(f'{path}: record {n}: truncated header')
        head = data[i:i + 8]
        (length,) = struct.unpack('<Q', head)
        (crc,) = struct.unpack('<I', data[i + 8:i + 12])
        if crc != masked(head):
            raise ValueError(f'{path}: record {n}: length CRC mismatch')
        body = data[i + 12:i + 12 + length]
        if len(body) != length or len(data) < i + 16 + length:
            raise ValueError(f'{path}: record {n}: truncated data')
        (dcrc,) = struct.unpack('<I', data[i + 12 + length:i + 16 + length])
        if dcrc != masked(body):
            raise ValueError(f'{path}: record {n}: data CRC mismatch')
        out.append(event(body))
        i += 16 + length; n += 1
    return out

def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    p = sys.argv[1]
    files = [os.path.join(p, f) for f in sorted(os.listdir(p)) if 'tfevents' in f] if os.path.isdir(p) else [p]
    if crc32c(b'123456789') != 0xE3069283:
        sys.exit('crc32c self-check failed')
    try:
        print(json.dumps([e for f in files for e in read(f)]))
    except ValueError as err:
        sys.exit(f'read_tfevents.py: {err}')

if __name__ == '__main__':
    main()
