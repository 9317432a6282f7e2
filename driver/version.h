/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that says which version of physwin this is. MODULE_VERSION,
 * dkms.conf and the DKMS source directory all take it from here.
 */
#ifndef _PHYSWIN_VERSION_H
#define _PHYSWIN_VERSION_H

#define PHYSWIN_VERSION "1.2.0"

#endif /* _PHYSWIN_VERSION_H */
