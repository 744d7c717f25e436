/** Durable file writing on any Hadoop file system: whole files replaced atomically, fsynced where the file system can. */
package org.pocketflow.worker.io;
