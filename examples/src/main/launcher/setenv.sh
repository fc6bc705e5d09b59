# Sourced by the transfer4j launcher before the JVM starts.
# OpenMP's default spin-waiting makes every small ND4J op cost a scheduler time slice when other processes share
# the CPU (head training measured 5.6x slower); passive waiting avoids it. Override by setting it yourself.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
