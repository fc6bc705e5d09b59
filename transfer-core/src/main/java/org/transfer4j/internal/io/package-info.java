/** File locks shared by caches, weights and downloads (one lock table per process). Not public API. */
package org.transfer4j.internal.io;
