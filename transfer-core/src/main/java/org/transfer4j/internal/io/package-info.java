/** File helpers: atomic writes. Not public API. */
package org.transfer4j.internal.io;
