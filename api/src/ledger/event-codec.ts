/** The event's wire format and registration live in schemas/ (the contract); the API's modules import them from here. */
export * from '../../../schemas/event-codec.ts';
