/* Writes a YCCK JPEG with libjpeg, for the CMYK/YCCK decoding fixtures (see README.md).
 *
 *   ycck_writer WIDTH HEIGHT QUALITY PROGRESSIVE < samples.cmyk > out.jpg
 *
 * The input is WIDTH*HEIGHT*4 interleaved CMYK bytes, already in Adobe's inverted convention
 * (what Photoshop and Pillow's "CMYK;I" write). libjpeg converts them to YCCK itself
 * (jccolor.c, cmyk_ycck_convert), keeps Cb and Cr at half resolution (jpeg_set_colorspace's
 * default for YCCK) and writes an Adobe APP14 marker with transform 2. Neither Pillow nor cjpeg
 * can write YCCK, hence this program. */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: ycck_writer WIDTH HEIGHT QUALITY PROGRESSIVE < cmyk > jpg\n");
        return 64;
    }
    int width = atoi(argv[1]), height = atoi(argv[2]);
    int quality = atoi(argv[3]), progressive = atoi(argv[4]);
    size_t stride = (size_t)width * 4;
    unsigned char *samples = malloc(stride * height);
    if (!samples || fread(samples, 1, stride * height, stdin) != stride * height) {
        fprintf(stderr, "ycck_writer: expected %zu bytes of CMYK on stdin\n", stride * height);
        return 1;
    }
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, stdout);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 4;
    cinfo.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    jpeg_set_colorspace(&cinfo, JCS_YCCK);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = samples + stride * cinfo.next_scanline;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(samples);
    return 0;
}
