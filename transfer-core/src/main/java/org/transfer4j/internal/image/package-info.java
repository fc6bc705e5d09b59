/**
 * Internal image glue, not public API: header probing and structural checks done before decoding
 * ({@link org.transfer4j.internal.image.ImageProbe}), native decoding through OpenCV's {@code imdecode} (the library
 * DataVec's {@code NativeImageLoader} wraps), and Pillow-exact colour conversion and resizing
 * ({@link org.transfer4j.internal.image.PillowOps}).
 */
package org.transfer4j.internal.image;
