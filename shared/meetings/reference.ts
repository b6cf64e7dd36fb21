import type { MeetingRecord } from '../data/records';
import { calendarDate } from '../util/time';

/**
 * How a meeting's tasks name it (where a case task names the case reference): its title and
 * the day it is held on, in the group's zone.
 */
export function meetingReference(meeting: Pick<MeetingRecord, 'title' | 'start' | 'timeZone'>): string {
  return `${meeting.title} (${calendarDate(new Date(meeting.start), meeting.timeZone)})`;
}
