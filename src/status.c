/* status.c — elmo_status_to_string. */
#include "elmo.h"

const char *elmo_status_to_string(elmo_status status) {
    switch (status) {
    case ELMO_STATUS_OK: return "ok";
    case ELMO_STATUS_INVALID_ARGUMENT: return "invalid argument";
    case ELMO_STATUS_INVALID_CONFIG: return "invalid config";
    case ELMO_STATUS_INVALID_WEIGHTS: return "invalid weights";
    case ELMO_STATUS_OUT_OF_MEMORY: return "out of memory";
    case ELMO_STATUS_NOT_LOADED: return "model not loaded";
    }
    return "unknown status";
}
