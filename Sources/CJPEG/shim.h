#ifndef METAPROMPT_CJPEG_SHIM_H
#define METAPROMPT_CJPEG_SHIM_H
// libjpeg(-turbo)'s decompression API, from Debian's libjpeg-dev.
// jpeglib.h needs FILE and size_t declared first.
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

// libjpeg reports fatal errors through error_exit, whose default calls exit().
// Swift cannot use setjmp, so the whole decode lives here: errors longjmp back
// and come out as a message instead of ending the process.
struct cjpeg_error_manager {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
};

static void cjpeg_error_exit(j_common_ptr cinfo) {
    struct cjpeg_error_manager *err = (struct cjpeg_error_manager *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->escape, 1);
}

static void cjpeg_silence(j_common_ptr cinfo, int level) { (void)cinfo; (void)level; }

/// Decodes a JPEG held in memory to 8-bit samples, row-major (H, W, *components): RGB (3) for
/// greyscale and three-component streams; for four-component ones, when `keep_cmyk` is set,
/// the CMYK samples libjpeg outputs (4), as stored (Adobe files hold them inverted) — libjpeg
/// converts YCCK to CMYK itself. Without `keep_cmyk` a four-component stream is an error.
/// Returns a malloc'd buffer the caller frees, or NULL with `message` filled in.
static inline unsigned char *cjpeg_decode(const unsigned char *data, unsigned long size,
                                          int keep_cmyk, int *width, int *height, int *components,
                                          char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    struct cjpeg_error_manager err;
    unsigned char *volatile pixels = NULL;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = cjpeg_error_exit;
    err.base.emit_message = cjpeg_silence;
    err.message[0] = 0;
    if (setjmp(err.escape)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        snprintf(message, message_capacity, "%s", err.message);
        return NULL;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    int channels = keep_cmyk && cinfo.num_components == 4 ? 4 : 3;
    cinfo.out_color_space = channels == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * channels;
    pixels = (unsigned char *)malloc(stride * cinfo.output_height);
    if (!pixels) {
        snprintf(message, message_capacity, "out of memory for %ux%u image",
                 cinfo.output_width, cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    *components = channels;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return pixels;
}

#endif
