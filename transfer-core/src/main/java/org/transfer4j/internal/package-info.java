/** Glue to ND4J, DataVec and HDF5. Not public API: may change without notice. */
package org.transfer4j.internal;
