"""Write a DigitalMicrograph 4 file holding one uint16 4D-STEM array (for read-throughput benchmarks).

Usage: python3 make_dm4.py OUT.dm4 SCAN_Y SCAN_X DET_Y DET_X [SOURCE.raw]
The values come from SOURCE.raw (C order, little-endian uint16) when given, else zeros. The file has the tag
layout Digital Micrograph writes (ImageList > image > ImageData with Data, DataType, Dimensions, Calibrations).
"""
import struct, sys

def name(n): return struct.pack('>H', len(n)) + n.encode('latin-1')

def data_tag(n, info, payload):
    body = b'%%%%' + struct.pack('>Q', len(info)) + b''.join(struct.pack('>Q', i) for i in info) + payload
    return b'\x15' + name(n) + struct.pack('>Q', len(body)) + body

def group_tag(n, tags):
    body = b'\x00\x00' + struct.pack('>Q', len(tags)) + b''.join(tags)
    return b'\x14' + name(n) + struct.pack('>Q', len(body)) + body

def int32(n, v): return data_tag(n, [3], struct.pack('<i', v))
def f32(n, v): return data_tag(n, [6], struct.pack('<f', v))
def text(n, s): return data_tag(n, [20, 4, len(s)], s.encode('utf-16-le'))

def main(out, sy, sx, dy, dx, source=None):
    dims = [dx, dy, sx, sy]                      # DM lists the fastest axis first
    count = sy * sx * dy * dx
    units = ['1/nm', '1/nm', 'nm', 'nm']
    cal = [group_tag('', [f32('Origin', 0.0), f32('Scale', 1.0), text('Units', u)]) for u in units]
    head_data = b'%%%%' + struct.pack('>Q', 3) + struct.pack('>QQQ', 20, 4, count)
    data_size = len(head_data) + count * 2
    data_prefix = b'\x15' + name('Data') + struct.pack('>Q', data_size) + head_data
    rest = int32('DataType', 10) + group_tag('Dimensions', [int32('', d) for d in dims]) \
        + group_tag('Calibrations', [group_tag('Dimension', cal)])
    image_data_body_len = 2 + 8 + len(data_prefix) + count * 2 + len(rest)
    image_data_head = b'\x14' + name('ImageData') + struct.pack('>Q', image_data_body_len) + b'\x00\x00' + struct.pack('>Q', 4)
    tags = group_tag('ImageTags', []) + text('Name', 'synthetic 4D-STEM')
    image_body_len = 2 + 8 + len(image_data_head) + image_data_body_len - (2 + 8) + len(tags)
    # image group: header + ImageData tag (head + body) + ImageTags + Name
    image_group_len = 2 + 8 + (len(image_data_head) - 2 - 8) + image_data_body_len + len(tags)
    image_head = b'\x14' + name('') + struct.pack('>Q', image_group_len) + b'\x00\x00' + struct.pack('>Q', 3)
    list_len = 2 + 8 + len(image_head) + image_group_len - 2 - 8
    list_head = b'\x14' + name('ImageList') + struct.pack('>Q', list_len) + b'\x00\x00' + struct.pack('>Q', 1)
    root = b'\x01\x00' + struct.pack('>Q', 1)
    with open(out, 'wb') as f:
        f.write(struct.pack('>i', 4) + struct.pack('>Q', 0) + struct.pack('>i', 1))
        f.write(root + list_head + image_head + image_data_head + data_prefix)
        left = count * 2
        src = open(source, 'rb') if source else None
        while left:
            n = min(left, 1 << 24)
            chunk = src.read(n) if src else bytes(n)
            if len(chunk) < n:
                chunk += bytes(n - len(chunk))
            f.write(chunk)
            left -= n
        f.write(rest + tags)
        f.write(b'\x00' * 8)

if __name__ == '__main__':
    a = sys.argv
    main(a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), a[6] if len(a) > 6 else None)
